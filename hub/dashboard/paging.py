"""Pages of long lists with the API's own cursor paginations (``hub.api.pagination``): the same index
walks, no COUNT and no OFFSET, so page 200 of a million rows costs what page 1 does.

DRF's paginators read a DRF request; a dashboard view hands its Django request over wrapped. A cursor
the hub did not hand out is a 404 and a bad page size a 400, as in the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import BadRequest
from django.http import Http404
from rest_framework import exceptions
from rest_framework.request import Request


@dataclass
class Page:
    rows: list[Any]
    next: str | None
    previous: str | None


def page(paginator_class: type, queryset, request, view: Any = None, size: int | None = None) -> Page:
    """One page of ``queryset`` in ``paginator_class``'s order, with links to the next and previous."""
    paginator = paginator_class()
    if size is not None:
        paginator.page_size = size
    try:
        rows = paginator.paginate_queryset(queryset, Request(request), view)
    except exceptions.NotFound as missing:
        raise Http404(str(missing.detail)) from None
    except exceptions.ValidationError as invalid:
        raise BadRequest(str(invalid.detail)) from None
    return Page(list(rows or []), paginator.get_next_link(), paginator.get_previous_link())
