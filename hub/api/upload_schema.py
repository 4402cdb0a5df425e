"""The request bodies of the two upload operations, as the API description gives them.

The JSON report is the agent's published document (``agent/schemas/report-v1.schema.json``, JSON Schema
2020-12), turned into the OpenAPI 3.0 dialect the hub's schema is written in: definitions inlined, a type
list with ``"null"`` as ``nullable``, ``const`` as a one-value ``enum``. One source, so the description
cannot drift from what ingest validates. The multipart forms list their fields from the same tables the
form reader uses (``hub.runs.services.multipart``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from agent.document import load_schema
from hub.runs.services.multipart import JOB_FIELDS, OTHER_FIELDS, RUN_FIELDS

BINARY = {"type": "string", "format": "binary"}
SHA256_HEX = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}


def openapi_30(schema: Any, definitions: dict[str, Any]) -> Any:
    """``schema`` (JSON Schema 2020-12) in OpenAPI 3.0's dialect, ``#/$defs/`` references inlined."""
    if isinstance(schema, list):
        return [openapi_30(item, definitions) for item in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return openapi_30(definitions[schema["$ref"].removeprefix("#/$defs/")], definitions)
    converted = {key: openapi_30(value, definitions) for key, value in schema.items() if key != "$schema"}
    converted.pop("$id", None)
    if "const" in converted:
        converted["enum"] = [converted.pop("const")]
    types = converted.get("type")
    if isinstance(types, list):
        rest = [name for name in types if name != "null"]
        converted["type"] = rest[0] if len(rest) == 1 else rest
        if "null" in types:
            converted["nullable"] = True
    if None in converted.get("enum", ()):
        converted["nullable"] = True
    options = converted.get("oneOf")
    if options and {"type": "null"} in options and len(options) == 2:
        converted.pop("oneOf")
        converted.update({**next(o for o in options if o != {"type": "null"}), "nullable": True})
    return converted


@cache
def report_document() -> dict[str, Any]:
    source = load_schema()
    definitions = source.get("$defs", {})
    return openapi_30({key: value for key, value in source.items() if key != "$defs"}, definitions)


def _form_text(names) -> dict[str, Any]:
    return {name: {"type": "string"} for name in sorted(names)}


def report_form() -> dict[str, Any]:
    """Run and job fields as text, ``coverage`` and ``artifact`` files, and any other field a report file."""
    return {
        "type": "object",
        "required": ["run_id"],
        "properties": {
            **_form_text({*RUN_FIELDS, *JOB_FIELDS, *OTHER_FIELDS}),
            "coverage": BINARY,
            "artifact": {"type": "array", "items": BINARY},
        },
        "additionalProperties": BINARY,
    }


def artifact_form() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["file", "sha256", "run_id"],
        "properties": {
            **_form_text({*RUN_FIELDS, *JOB_FIELDS, *OTHER_FIELDS}),
            "file": BINARY,
            "sha256": SHA256_HEX,
            "name": {"type": "string"},
        },
        "additionalProperties": False,
    }
