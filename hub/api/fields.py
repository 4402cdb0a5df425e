"""Serializer fields that hold the API to its description.

DRF is lenient on input where JSON Schema is exact: it turns ``12`` into the text ``"12"``, ``"5"`` into
the number 5 and ``"yes"`` into true, and it trims text before checking its length. A request the schema
calls invalid was accepted; these fields refuse it with a 400 naming the field. On output, a blank URL
column is answered as null rather than an empty string that is no URI.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from rest_framework import serializers

# RFC 3339 (JSON Schema's date-time): a date, "T", a time and an offset or Z.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)")
RFC3339_HINT = "Give a date and time with its offset, as 2026-01-31T09:00:00Z (RFC 3339)."


class Text(serializers.CharField):
    """A JSON string, kept as sent (not trimmed), so the lengths the schema gives hold for what is sent."""

    def __init__(self, **kwargs) -> None:
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class WholeNumber(serializers.IntegerField):
    """A JSON number with no fraction; text and booleans are refused."""

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class Flag(serializers.BooleanField):
    """JSON true or false, nothing else."""

    def to_internal_value(self, data) -> bool:
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class Moment(serializers.DateTimeField):
    """An RFC 3339 date-time; a bare date or a time without its offset is refused."""

    def to_internal_value(self, value):
        if not isinstance(value, str) or not RFC3339.fullmatch(value):
            raise serializers.ValidationError(RFC3339_HINT, code="invalid")
        return super().to_internal_value(value)


class OptionalURLField(serializers.URLField):
    """A URL column that may be blank, answered as null when it is: the value is a URI or nothing."""

    def __init__(self, **kwargs) -> None:
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value: str) -> str | None:
        return value or None


class WholeMatch(RegexValidator):
    """A pattern the whole value matches, as JSON Schema's anchored ``pattern`` means it: Python's ``$``
    also matches before a final newline, which the schema's does not, so the check is a ``fullmatch``.
    drf-spectacular writes the regex into the schema as the field's ``pattern``."""

    def __call__(self, value) -> None:
        if not isinstance(value, str) or not self.regex.fullmatch(value):
            raise DjangoValidationError(self.message, code=self.code)
