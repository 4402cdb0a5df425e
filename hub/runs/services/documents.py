"""Reading a spooled report document: the header first, then the cases as a stream.

The header (every key but ``cases``) must be known before any case is loaded. The agent writes it first and
``cases`` last, so a pull parser that stops where ``cases`` begins reads it at no cost however big the
report. A document in another key order (hand-written ones often are) takes one extra full pass to find
the keys that follow ``cases``. The cases are then streamed, validated one by one against the schema and
turned into ``agent.model.TestCase``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

import ijson

from hub.runs.services.errors import InvalidDocument, MalformedBody
from hub.runs.services.validation import validate_case, validate_header


def _malformed(exc: Exception) -> MalformedBody:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return MalformedBody(f"The body is not valid JSON: {reason}")


def read_header(file: IO[bytes]) -> tuple[dict[str, Any], bool]:
    """Return the validated top-level keys other than ``cases``, and whether the document has ``cases``."""
    header, has_cases = _keys_before_cases(file, stop_at_cases=True)
    if has_cases and not _cases_come_last(file, header):
        header, has_cases = _keys_before_cases(file, stop_at_cases=False)
    return _checked(header), has_cases


def _cases_come_last(file: IO[bytes], header: dict[str, Any]) -> bool:
    """True when nothing can follow ``cases``: the document ends with an array and a brace, and the only
    other array-valued key, ``files``, was already read before ``cases``."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - 256))
    tail = file.read().rstrip()
    return "files" in header and tail.endswith(b"}") and tail[:-1].rstrip().endswith(b"]")


def _keys_before_cases(file: IO[bytes], *, stop_at_cases: bool) -> tuple[dict[str, Any], bool]:
    file.seek(0)
    has_cases = False
    skipping = False
    builder: ijson.ObjectBuilder | None = None
    key: str | None = None
    header: dict[str, Any] = {}
    try:
        for prefix, event, value in ijson.parse(file, use_float=True):
            if skipping:
                skipping = not (prefix == "cases" and event == "end_array")
                continue
            if builder is None:
                if prefix == "" and event == "map_key":
                    if value == "cases":
                        if stop_at_cases:
                            return header, True
                        has_cases = skipping = True
                        continue
                    key = value
                elif prefix == "" and event == "start_map":
                    continue
                elif prefix == "" and event == "end_map":
                    return header, has_cases
                elif prefix == "":
                    raise InvalidDocument("The report must be a JSON object; see docs/report-format.md.")
                else:
                    builder = ijson.ObjectBuilder()
                    builder.event(event, value)
                    if event not in ("start_map", "start_array"):
                        header[key], builder = builder.value, None
                continue
            builder.event(event, value)
            if prefix == key and event in ("end_map", "end_array"):
                header[key], builder = builder.value, None
    except ijson.JSONError as exc:
        raise _malformed(exc) from None
    raise MalformedBody("The body is not valid JSON: it ends before the document does.")


def _checked(header: dict[str, Any]) -> dict[str, Any]:
    if "version" not in header or "run" not in header:
        missing = [k for k in ("version", "run") if k not in header]
        raise InvalidDocument(f"report must contain {missing}; see docs/report-format.md")
    return validate_header(header)


def iter_cases(file: IO[bytes]) -> Iterator[dict[str, Any]]:
    """Stream the validated case objects; a JSON error or an invalid case raises (and rolls the load back)."""
    file.seek(0)
    index = -1
    try:
        for index, case in enumerate(ijson.items(file, "cases.item", use_float=True)):
            yield validate_case(case, index)
    except ijson.JSONError as exc:
        raise _malformed(exc) from None
