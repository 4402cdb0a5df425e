"""Validating report documents against the published JSON Schema (agent/schemas/report-v1.schema.json).

The schema is compiled once with fastjsonschema. The header (everything but ``cases``) is validated as a
whole; cases are validated one at a time as they stream, against the schema's own ``case`` definition, so
the hub never holds a report in memory to check it and the schema stays the single contract.

A generated validator costs about 10 us a case, most of a 100k-case ingest. ``_plainly_valid`` answers in
a fraction of that for the common case and only ever says "certainly valid": anything it is unsure of goes
to the compiled schema, which decides and names the problem. A differential test holds it to the schema.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import fastjsonschema

from agent.document import load_schema
from hub.runs.services.errors import InvalidDocument


def _with_defs(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": root["$schema"], "$defs": root["$defs"], **schema}


@cache
def _validators():
    root = load_schema()
    header = copy.deepcopy(root)
    header["properties"].pop("cases")
    header["required"] = [name for name in header["required"] if name != "cases"]
    # Still closed: an unknown top-level key is refused, so `"cases":` can only be the one key (documents.py).
    case = _with_defs({"$ref": "#/$defs/case"}, root)
    return fastjsonschema.compile(header), fastjsonschema.compile(case)


def _explain(exc: fastjsonschema.JsonSchemaValueException, where: str) -> str:
    path = where + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in (exc.path or [])[1:])
    message = exc.message
    if message.startswith("data"):
        message = message.split(" ", 1)[1] if " " in message else message
    return f"{path} {message}"


def validate_header(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise InvalidDocument("The report must be a JSON object; see docs/report-format.md.")
    if doc.get("version") != 1:
        raise InvalidDocument(
            f"Unsupported report version {doc.get('version')!r}: this hub reads version 1; "
            "upgrade the hub or send version 1."
        )
    try:
        _validators()[0](doc)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidDocument(_explain(exc, "report")) from None
    return doc


_RERUN_KEYS = frozenset(("status", "duration", "message", "type", "trace"))
_STATUSES = frozenset(("passed", "failed", "error", "skipped"))
_MAX_TEXT = 1_000_000


def _status_ok(value: Any) -> bool:
    return type(value) is str and value in _STATUSES


def _optional_text(value: Any, limit: int) -> bool:
    return value is None or (type(value) is str and len(value) <= limit)


def _duration_ok(value: Any) -> bool:
    return value is None or (type(value) in (float, int) and value >= 0)


def _rerun_ok(rerun: Any) -> bool:
    return (
        type(rerun) is dict
        and rerun.keys() <= _RERUN_KEYS
        and _status_ok(rerun.get("status"))
        and _duration_ok(rerun.get("duration"))
        and _optional_text(rerun.get("message"), _MAX_TEXT)
        and _optional_text(rerun.get("trace"), _MAX_TEXT)
        and _optional_text(rerun.get("type"), 1000)
    )


_TEXT_LIMITS = {
    "classname": 1000, "suite": 1000, "type": 1000, "file": 4096,
    "message": _MAX_TEXT, "trace": _MAX_TEXT, "stdout": _MAX_TEXT, "stderr": _MAX_TEXT,
}  # fmt: skip


def _plainly_valid(case: Any) -> bool:
    """True only for a case the schema certainly accepts (False means: ask the schema).

    Visits only the keys a case has: most cases carry five or six of the fourteen."""
    if type(case) is not dict:
        return False
    name = case.get("name")
    if type(name) is not str or not 0 < len(name) <= 1000 or not _status_ok(case.get("status")):
        return False
    text_limit = _TEXT_LIMITS.get
    for key, value in case.items():
        limit = text_limit(key)
        if limit is not None:
            if value is not None and (type(value) is not str or len(value) > limit):
                return False
        elif key == "duration":
            if value is not None and not (type(value) in (float, int) and value >= 0):
                return False
        elif key == "line":
            if value is not None and not (type(value) is int and value >= 0):
                return False
        elif key == "properties":
            if not (type(value) is list and len(value) <= 1000 and all(map(_property_ok, value))):
                return False
        elif key == "reruns":
            if not (type(value) is list and len(value) <= 1000 and all(map(_rerun_ok, value))):
                return False
        elif key not in ("name", "status"):
            return False
    return True


def _property_ok(pair: Any) -> bool:
    return type(pair) is list and len(pair) == 2 and type(pair[0]) is str and type(pair[1]) is str


def validate_case(case: Any, index: int) -> dict[str, Any]:
    if _plainly_valid(case):
        return case
    try:
        _validators()[1](case)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidDocument(_explain(exc, f"cases[{index}]")) from None
    return case
