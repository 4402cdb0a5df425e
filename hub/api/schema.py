"""The schema class behind /api/schema/: every operation documents the errors the hub can answer it with.

drf-spectacular documents only the success answer unless a view lists more, so a client reading the
schema (and the schemathesis run in tests/hub/test_schema_fuzz.py) met 400s, 404s and 429s it was never
told of. Every API operation can answer these, in the one error shape (``hub.api.errors``): a bad
parameter or body, a missing or wrong token, a token not allowed this, an object that is not there or not
yours, the rate limit, and the database being briefly unreachable (``hub.unavailable``). A view that lists
one of these codes itself keeps its own description.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from hub.api.errors import ErrorSerializer

ERROR_ANSWERS = {
    "400": "The request is not valid: `details` names each parameter or field and why.",
    "401": "No token, or an unknown or revoked one.",
    "403": "This token may not do this (a read-only token's write, another project's agent token).",
    "404": "No such object, or not one you may see.",
    "429": "Too many requests: wait the seconds `Retry-After` gives.",
    "503": "The database cannot be reached just now: retry after the seconds `Retry-After` gives.",
}
BODY_ANSWERS = {"415": "The body is not in a media type this operation takes (application/json)."}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
# PostgreSQL text cannot hold a NUL character, so every text parameter refuses one with a 400
# (``hub.api.viewsets.base``); the schema says so rather than promising any string.
NO_NUL = "^[^\\u0000]*$"


class HubAutoSchema(AutoSchema):
    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            schema = parameter.get("schema", {})
            if schema.get("type") == "string" and not schema.keys() & {"enum", "format", "pattern"}:
                schema["pattern"] = NO_NUL
        return operation

    def _map_serializer(self, serializer, direction, bypass_extensions=False):
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        # A rule across fields (one of two, not both) lives in the serializer's validate(), which the schema
        # cannot see; such a serializer states the rule for requests as ``schema_rules`` (JSON Schema).
        if direction == "request":
            schema = {**schema, **getattr(serializer, "schema_rules", {})}
        return schema

    def _get_request_for_media_type(self, serializer, direction="request"):
        schema, required = super()._get_request_for_media_type(serializer, direction)
        # A body given as a raw schema (the uploads, the policy) is required when that schema requires
        # properties, or when the operation replaces the whole resource (PUT); drf-spectacular calls every
        # raw schema optional.
        if isinstance(serializer, dict) and (serializer.get("required") or self.method == "PUT"):
            required = True
        return schema, required

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        answers = {**ERROR_ANSWERS, **(BODY_ANSWERS if self.method in ("POST", "PUT", "PATCH") else {})}
        for code, description in answers.items():
            if code not in responses:
                answer = OpenApiResponse(ErrorSerializer, description=description)
                responses[code] = self._get_response_for_code(answer, code, direction=direction)
                if code in ("429", "503"):
                    responses[code]["headers"] = RETRY_AFTER
        return responses
