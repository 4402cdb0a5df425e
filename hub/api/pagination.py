"""Cursor pagination: stable and index-friendly on tables with millions of rows (no COUNT, no OFFSET)."""

from rest_framework.pagination import CursorPagination

from hub.runs.services.segments import NEWEST_FIRST


class DefaultCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"


class NewestFirstPagination(DefaultCursorPagination):
    """A test's history, newest first. The cursor is the result id, as in every list, but the query orders
    by (segment, id), which for one test is the same order, so that the history index answers it without
    a sort (``hub.runs.services.segments``). Ids are unique: no cursor here ever needs an offset."""

    ordering = "-id"

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.ordering = (self.ordering,) if isinstance(self.ordering, str) else self.ordering
        self.cursor = self.decode_cursor(request)
        position = self.cursor.position if self.cursor else None
        backwards = bool(self.cursor and self.cursor.reverse)
        if position is not None:
            queryset = queryset.filter(id__gt=position) if backwards else queryset.filter(id__lt=position)
        order = [field.lstrip("-") for field in NEWEST_FIRST] if backwards else NEWEST_FIRST
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        self.page = rows[: self.page_size]
        following = str(rows[-1].pk) if len(rows) > self.page_size else None
        if backwards:
            self.page.reverse()
            self.has_next, self.next_position = position is not None, position
            self.has_previous, self.previous_position = following is not None, following
        else:
            self.has_next, self.next_position = following is not None, following
            self.has_previous, self.previous_position = position is not None, position
        self.display_page_controls = self.has_previous or self.has_next
        return self.page
