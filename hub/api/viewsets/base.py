"""What every read view shares: the permission classes, the read throttle and the pagination orders.

Rows are scoped by ``hub.projects.services.visible``, not checked: a queryset only ever holds the projects
a person belongs to, so another team's run answers 404 like a run that does not exist, and lists simply
leave it out. The dashboard applies the same function.
"""

from __future__ import annotations

from django.http import QueryDict
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle, UserRateThrottle

from hub.api.pagination import DefaultCursorPagination
from hub.api.permissions import TokenAllowsMethod

READ_SCOPE = "reads"


class ReadRateThrottle(ScopedRateThrottle):
    """A per-user budget for reads (scope ``reads``; the ``user`` rate when that scope is not set).

    DRF's throttles copy the rates when their module is imported; this one reads them on each request, so
    a changed setting (an operator's reload, a test's override) takes effect.
    """

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope) or rates.get("user")


def refuse_nul_characters(query: QueryDict) -> None:
    """A NUL character cannot be stored or compared in PostgreSQL text (SQLite takes it), so a parameter
    holding one would fail in the database: it is a 400 naming the parameter, on every backend."""
    for name, values in query.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            shown = name.replace("\x00", "\\0")
            raise ValidationError({shown: ["Contains a NUL character (\\0), which no value here can hold."]})


class ReadApiMixin:
    """Permissions, throttle, pagination and query checks for every read endpoint."""

    permission_classes = (IsAuthenticated, TokenAllowsMethod)
    throttle_classes = (UserRateThrottle, ReadRateThrottle)
    throttle_scope = READ_SCOPE
    pagination_class = DefaultCursorPagination
    parser_classes = (JSONParser,)  # the API takes JSON bodies; anything else is a 415
    lookup_value_regex = "[0-9]+"

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        refuse_nul_characters(request.query_params)


class RecentRunsPagination(DefaultCursorPagination):
    """Newest first by creation time; the id breaks ties between runs created in the same instant."""

    ordering = ("-created_at", "-id")


class ReportOrderPagination(DefaultCursorPagination):
    """A run's results in the order they were stored, which is the order of the report."""

    ordering = "id"


class ProjectNamePagination(DefaultCursorPagination):
    ordering = "full_name"
