"""Validating report documents against the published JSON Schema (agent/schemas/report-v1.schema.json).

The schema is compiled once with fastjsonschema. The header (everything but ``cases``) is validated as a
whole; cases are validated one at a time as they stream, against the schema's own ``case`` definition, so
the hub never holds a report in memory to check it and the schema stays the single contract.
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
    header["additionalProperties"] = True  # `cases` is checked item by item, not here
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


def validate_case(case: Any, index: int) -> dict[str, Any]:
    try:
        _validators()[1](case)
    except fastjsonschema.JsonSchemaValueException as exc:
        raise InvalidDocument(_explain(exc, f"cases[{index}]")) from None
    return case
