"""Reading a spooled report document: the header first, then the cases as a stream.

The header (every key but ``cases``) must be known before any case is loaded. The agent writes it first and
``cases`` last, so a pull parser that stops where ``cases`` begins reads it at no cost however big the
report. A document in another key order (hand-written ones often are) takes one extra full pass to find
the keys that follow ``cases``.

The cases are then read in batches. When ``cases`` comes last (the agent's documents, and most others), the
array is cut into ~1 MB slices at boundaries between cases and each slice is decoded and checked in C
(``cases.decode_cases``): about 1 us a case, against 5 us for a pull parser and a per-case check in Python.
A slice that does not decode, because a cut fell inside a string or a case is one the fast decoder will not
vouch for, hands the rest of the document to the pull parser, which validates each case against the schema
and names the problem, skipping the cases already loaded. Both paths give the same cases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

import ijson
import msgspec
from django.conf import settings

from hub.runs.services.cases import Case, case_from_json, decode_cases
from hub.runs.services.errors import InvalidDocument, MalformedBody
from hub.runs.services.storable import JSON_NUL, storable_case
from hub.runs.services.validation import validate_case, validate_header

SLICE_BYTES = 1024 * 1024  # of case JSON per decoded batch: ~4,000 cases
HEADER_SCAN_LIMIT = 64 * 1024 * 1024  # bytes searched for where ``cases`` begins (coverage can be large)
MAX_DEPTH = 32  # of nested arrays and objects; a report document needs 5
_CASES_KEY = re.compile(rb'"cases"\s*:\s*\[')
_WHITESPACE = b" \t\r\n"


def _malformed(exc: Exception) -> MalformedBody:
    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return MalformedBody(f"The body is not valid JSON: {reason}")


class HeaderRead(NamedTuple):
    """The validated top-level keys other than ``cases``, whether the document has ``cases``, and whether
    reading them read the whole document (with bounded depth: the pull parser may then read it at once)."""

    header: dict[str, Any]
    has_cases: bool
    depth_checked: bool


def read_header(file: IO[bytes]) -> HeaderRead:
    header, has_cases = _keys_before_cases(file, stop_at_cases=True)
    if has_cases and not _cases_come_last(file, header):
        header, has_cases = _keys_before_cases(file, stop_at_cases=False)
        return HeaderRead(_checked(header), has_cases, depth_checked=True)
    return HeaderRead(_checked(header), has_cases, depth_checked=not has_cases)


def _cases_come_last(file: IO[bytes], header: dict[str, Any]) -> bool:
    """True when nothing can follow ``cases``: the document ends with an array and a brace, and the only
    other array-valued key, ``files``, was already read before ``cases``."""
    return "files" in header and _ends_with_array(file)


def _ends_with_array(file: IO[bytes]) -> bool:
    """Whether the document's last value is an array (``...]}``): where ``cases`` is, when it comes last."""
    file.seek(0, 2)
    size = file.tell()
    file.seek(max(0, size - 256))
    tail = file.read().rstrip()
    return tail.endswith(b"}") and tail[:-1].rstrip().endswith(b"]")


def _keys_before_cases(file: IO[bytes], *, stop_at_cases: bool) -> tuple[dict[str, Any], bool]:
    file.seek(0)
    header: dict[str, Any] = {}
    has_cases = False
    key: str | None = None
    builder: ijson.ObjectBuilder | None = None
    skip_to: int | None = None  # skipping ``cases`` until the depth falls back to the top level's
    events = _bounded_events(file)
    try:
        for event, value, depth in events:
            if skip_to is not None:
                if depth == skip_to:
                    skip_to = None
                continue
            if builder is not None:
                builder.event(event, value)
                if depth == 1:
                    header[key], builder = builder.value, None
            elif depth == 1 and event == "map_key":
                key = value
                if value == "cases":
                    if next(events)[0] != "start_array":
                        raise InvalidDocument("report.cases must be an array; see docs/report-format.md.")
                    if stop_at_cases:
                        return header, True
                    has_cases = True
                    skip_to = 1
            elif depth == 1 and event == "start_map":
                continue  # the document's own brace
            elif depth == 0 and event == "end_map":
                return header, has_cases
            elif depth == 0 or key is None:
                raise InvalidDocument("The report must be a JSON object; see docs/report-format.md.")
            else:
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                if depth == 1:  # a scalar value
                    header[key], builder = builder.value, None
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _malformed(exc) from None
    raise MalformedBody("The body is not valid JSON: it ends before the document does.")


_OPENS = frozenset(("start_map", "start_array"))
_CLOSES = frozenset(("end_map", "end_array"))


def _bounded_events(file: IO[bytes]) -> Iterator[tuple[str, Any, int]]:
    """ijson's events without their prefixes, each with the depth after it, refusing a deep document.

    ijson's prefixed events (``parse``, ``items``) build a path string per level, so their memory grows
    with the square of the depth: a 2 MB body a million levels deep took 22 GB. A report is 5 levels deep
    at most (``cases`` > case > ``reruns`` > rerun); past ``MAX_DEPTH`` it cannot be one."""
    depth = 0
    for event, value in ijson.basic_parse(file, use_float=True):
        if event in _OPENS:
            depth += 1
            if depth > MAX_DEPTH:
                raise MalformedBody(
                    f"The report nests arrays and objects more than {MAX_DEPTH} levels deep, the limit "
                    "(a report document needs 5); see docs/report-format.md."
                )
        elif event in _CLOSES:
            depth -= 1
        yield event, value, depth


def _check_depth(file: IO[bytes]) -> None:
    """Read the whole document once with bounded depth, so that a prefixed parser may read it next."""
    file.seek(0)
    try:
        for _ in _bounded_events(file):
            pass
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _malformed(exc) from None


def _checked(header: dict[str, Any]) -> dict[str, Any]:
    if "version" not in header or "run" not in header:
        missing = [k for k in ("version", "run") if k not in header]
        raise InvalidDocument(f"report must contain {missing}; see docs/report-format.md")
    return validate_header(header)


def iter_cases(file: IO[bytes], *, depth_checked: bool = False) -> Iterator[dict[str, Any]]:
    """Stream the validated case objects; a JSON error or an invalid case raises (and rolls the load back).

    The document is first read once with bounded depth, unless it already was (``HeaderRead``)."""
    if not depth_checked:
        _check_depth(file)
    file.seek(0)
    index = -1
    try:
        for index, case in enumerate(ijson.items(file, "cases.item", use_float=True)):
            yield validate_case(case, index)
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise _malformed(exc) from None


def iter_case_batches(file: IO[bytes], *, depth_checked: bool = False) -> Iterator[list[Case]]:
    """Every case of the document, validated, in document order, in batches of a few thousand.

    A JSON error or an invalid case raises (and rolls the load back), naming the case by its index."""
    done = 0
    start = _cases_start(file)
    if start is not None:
        try:
            for batch in _sliced_batches(file, start):
                done += len(batch)
                yield batch
            return
        except _NotFast:
            pass
    batch: list[Case] = []
    for index, case in enumerate(iter_cases(file, depth_checked=depth_checked)):
        if index < done:
            continue  # loaded from a slice already, and validated there
        batch.append(storable_case(case_from_json(case)))
        if len(batch) >= settings.INGEST_BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


class _NotFast(Exception):
    """The slices cannot vouch for the rest of the document: the pull parser takes over."""


def _cases_start(file: IO[bytes]) -> int | None:
    """Offset just past the ``[`` of ``cases`` when ``cases`` is the document's last key, else None.

    The header has been read and validated, and every object the schema allows is closed (no other key can
    be named ``cases``); so the first ``"cases":[`` whose quote is not escaped is the top-level key."""
    if not _ends_with_array(file):
        return None
    file.seek(0)
    offset = 0  # of ``window`` in the file
    window = b""
    examined = -1  # the last match start looked at, in the file
    while offset < HEADER_SCAN_LIMIT:
        chunk = file.read(SLICE_BYTES)
        if not chunk:
            return None
        keep = window[-256:]  # a match (its whitespace included) may straddle two reads
        offset += len(window) - len(keep)
        window = keep + chunk
        for match in _CASES_KEY.finditer(window):
            start = offset + match.start()
            if start <= examined:
                continue
            examined = start
            if not _escaped(file, start):
                return offset + match.end()
        file.seek(offset + len(window))
    return None


def _escaped(file: IO[bytes], quote: int) -> bool:
    """Whether the quote at ``quote`` follows an odd run of backslashes (read back from the file: the run
    may begin before the window that found the quote)."""
    backslashes = 0
    position = quote
    while position > 0:
        step = min(position, 4096)
        file.seek(position - step)
        before = file.read(step)
        run = len(before) - len(before.rstrip(b"\\"))
        backslashes += run
        if run < step:
            break
        position -= step
    return backslashes % 2 == 1


def _sliced_batches(file: IO[bytes], start: int) -> Iterator[list[Case]]:
    file.seek(start)
    pending = b""
    while chunk := file.read(SLICE_BYTES):
        pending += chunk
        batch, pending = _decode_leading_cases(pending)
        if batch:
            yield batch
    body = pending.rstrip(_WHITESPACE)
    if not body.endswith(b"}"):
        raise _NotFast
    body = body[:-1].rstrip(_WHITESPACE)
    if not body.endswith(b"]"):
        raise _NotFast
    body = body[:-1]
    if body.strip(_WHITESPACE):
        yield _decode(body)


def _decode_leading_cases(pending: bytes, attempts: int = 8) -> tuple[list[Case], bytes]:
    """Decode the longest run of whole cases at the start of ``pending``; return them and the rest.

    A cut is a ``}`` followed by a comma. The cut may fall inside a string (``"{a}, {b}"``); then the slice
    does not decode, and an earlier cut is tried. No cut yet: read more."""
    end = len(pending)
    for _ in range(attempts):
        cut = _last_cut(pending, end)
        if cut is None:
            return [], pending
        close, after_comma = cut
        try:
            return _decoded_slice(pending[:close]), pending[after_comma:]
        except msgspec.ValidationError:
            raise _NotFast from None
        except msgspec.DecodeError:
            end = close - 1
    raise _NotFast


def _last_cut(data: bytes, end: int) -> tuple[int, int] | None:
    position = end
    for _ in range(64):  # a case's own braces (reruns) come before the one that closes it
        position = data.rfind(b"}", 0, position)
        if position < 0:
            return None
        after = position + 1
        while after < len(data) and data[after] in _WHITESPACE:
            after += 1
        if after < len(data) and data[after] == 0x2C:  # ","
            return position + 1, after + 1
    return None


def _decode(body: bytes) -> list[Case]:
    try:
        return _decoded_slice(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise _NotFast from None


def _decoded_slice(body: bytes) -> list[Case]:
    """The cases of a slice (whole cases separated by commas), NUL replaced in the rare slice with one (the
    decoder refuses lone surrogates: ``cases``)."""
    cases = decode_cases(b"[" + body + b"]")
    if JSON_NUL in body:
        cases = [storable_case(case) for case in cases]
    return cases
