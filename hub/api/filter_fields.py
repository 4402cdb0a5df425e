"""Query parameters that mean what the API description says they mean, and refuse what it does not allow.

django-filter is lenient where the schema is exact: a number filter compares with ``0.5`` where the schema
says integer, a boolean takes ``maybe`` as "not given", a date-time takes a bare date, and an empty value
is ignored even where the schema gives no empty value. Each of these is a 400 naming the parameter here,
so a client learns of its mistake instead of reading a list it did not ask for.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation

import django_filters as filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from hub.api.fields import RFC3339, RFC3339_HINT

LARGEST_ID = 2**63 - 1  # no stored number is larger (bigint); a larger one matches nothing


class WholeNumberField(forms.Field):
    """A whole number, written as JSON Schema allows one (``12``, ``12.0``, ``1.2e1``), never ``0.5``."""

    def to_python(self, value: str | None) -> int | None:
        if value in (None, ""):
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number != number.to_integral_value():
            raise forms.ValidationError("Give a whole number.", code="invalid")
        return int(number)


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(filters.NumberFilter):
    field_class = WholeNumberField

    def filter(self, qs, value):
        if value is not None and abs(value) > LARGEST_ID:
            return qs.none()
        return super().filter(qs, value)


class StrictBooleanField(forms.Field):
    VALUES = {"true": True, "false": False}

    def to_python(self, value: str | None) -> bool | None:
        if value in (None, ""):
            return None
        if value not in self.VALUES:
            raise forms.ValidationError("Give true or false.", code="invalid")
        return self.VALUES[value]


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField


class Rfc3339Field(forms.DateTimeField):
    def to_python(self, value: str | None) -> datetime | None:
        if value in (None, ""):
            return None
        if not RFC3339.fullmatch(value):
            raise forms.ValidationError(RFC3339_HINT, code="invalid")
        return datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


class Rfc3339Filter(filters.IsoDateTimeFilter):
    field_class = Rfc3339Field


class StrictFilterSet(filters.FilterSet):
    """A FilterSet that refuses an empty value where the schema allows none (a number, a choice, a time, a
    text with a minimum length) instead of ignoring the parameter; other empty text still means "any"."""

    def is_valid(self) -> bool:
        super().is_valid()
        for name, field in self.form.fields.items():
            blank_allowed = isinstance(field, forms.CharField) and not field.min_length
            if not blank_allowed and self.data.get(name) == "":
                self.form.add_error(name, "Give a value, or leave the parameter out.")
        return not self.form.errors
