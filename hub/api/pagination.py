"""Cursor pagination: stable and index-friendly on tables with millions of rows (no COUNT, no OFFSET).

A ``page_size`` that is not a whole number from 1 to the maximum is a 400 naming the parameter (DRF's own
pagination silently used its default size). A cursor the hub did not hand out names no page: a 404 that
says so, also when it decodes but holds a position that does not fit the list (DRF answered 500 there).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination

from hub.runs.services.segments import NEWEST_FIRST

INVALID_CURSOR = "Not a cursor this list handed out: follow the `next` and `previous` links as given."


class DefaultCursorPagination(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500
    ordering = "-id"

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return size

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise invalid_cursor() from None

    def paginate_queryset(self, queryset, request, view=None):
        with cursor_positions_checked(request, self.cursor_query_param):
            return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = (
                    f"Results per page, 1 to {self.max_page_size} (default {self.page_size})."
                )
        return parameters


def invalid_cursor() -> NotFound:
    return NotFound(INVALID_CURSOR)


@contextmanager
def cursor_positions_checked(request, cursor_param: str) -> Iterator[None]:
    """A decoded cursor's position is compared with the ordering column as given; one that does not fit
    that column (text for an id, a malformed time) fails when the page is read: that is a bad cursor."""
    try:
        yield
    except (ValueError, DjangoValidationError):
        if request.query_params.get(cursor_param) is None:
            raise
        raise invalid_cursor() from None


class KeysetPagination(DefaultCursorPagination):
    """Cursor pagination whose subclass reads the page itself (``read_page``), in an order an index gives
    without a sort. The cursor holds the position of the last row seen, never an offset: positions are
    unique."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        self.page_size = self.get_page_size(request)
        self.ordering = (self.ordering,) if isinstance(self.ordering, str) else self.ordering
        self.cursor = self.decode_cursor(request)
        here = self.cursor.position if self.cursor else None
        backwards = bool(self.cursor and self.cursor.reverse)
        with cursor_positions_checked(request, self.cursor_query_param):
            self.page, following = self.read_page(queryset, view, here, backwards)
        if backwards:
            self.page.reverse()
            self.has_next, self.next_position = here is not None, here
            self.has_previous, self.previous_position = following is not None, following
        else:
            self.has_next, self.next_position = following is not None, following
            self.has_previous, self.previous_position = here is not None, here
        self.display_page_controls = self.has_previous or self.has_next
        return self.page

    def read_page(self, queryset, view, position: str | None, backwards: bool) -> tuple[list, str | None]:
        """Up to ``page_size`` rows after ``position`` (before it, nearest first, when ``backwards``), and
        the position of the row after them, if there is one."""
        raise NotImplementedError


class NewestFirstPagination(KeysetPagination):
    """A test's history, newest first. The cursor is the result id, as in every list, but the query orders
    by (segment, id), which for one test is the same order, so that the history index answers it without
    a sort (``hub.runs.services.segments``)."""

    ordering = "-id"

    def read_page(self, queryset, view, position, backwards):
        if position is not None:
            queryset = queryset.filter(id__gt=position) if backwards else queryset.filter(id__lt=position)
        order = [field.lstrip("-") for field in NEWEST_FIRST] if backwards else NEWEST_FIRST
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        following = str(rows[-1].pk) if len(rows) > self.page_size else None
        return rows[: self.page_size], following


class JobByJobPagination(KeysetPagination):
    """A run's results job by job (in the order the jobs were created), each job's in report order.

    One statement ordered by id over a whole run let PostgreSQL join all of a run's results to their
    tests before sorting (166 ms a page for a 100k-result run), or walk the primary key from the table's
    start when its statistics lagged behind a bulk load (270-500 ms, growing with the table). A page
    here reads ids only, off the (job, id) index, in at most two ranges (the rest of the cursor's job,
    then the run's later jobs in (job, id) order), then fetches those rows with their tests and jobs.
    The view gives the run's job ids as ``view.job_ids``, in ascending order. A cursor's position is
    ``"JOB:ID"``: the last result it has seen.
    """

    ordering = ("job", "id")

    def read_page(self, queryset, view, position, backwards):
        at = _job_position(position)
        keys = _page_keys(queryset, view.job_ids, at, backwards, self.page_size + 1)
        wanted = [pk for _, pk in keys[: self.page_size]]
        rows = {row.pk: row for row in queryset.filter(pk__in=wanted)}
        following = f"{keys[-1][0]}:{keys[-1][1]}" if len(keys) > self.page_size else None
        return [rows[pk] for pk in wanted if pk in rows], following

    def _get_position_from_instance(self, instance, ordering):
        return f"{instance.job_id}:{instance.pk}"


def _job_position(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        job, _, pk = text.partition(":")
        return int(job), int(pk)
    except ValueError:
        raise invalid_cursor() from None


def _page_keys(queryset, job_ids: list[int], position, backwards: bool, wanted: int) -> list[tuple[int, int]]:
    """Up to ``wanted`` (job, id) pairs after ``position`` (before it, newest first, ``backwards``)."""
    jobs = list(reversed(job_ids)) if backwards else list(job_ids)
    order = ("-job_id", "-id") if backwards else ("job_id", "id")
    keys: list[tuple[int, int]] = []
    if position is not None:
        job, pk = position
        if job not in jobs:
            return keys
        rest = queryset.filter(job_id=job, **{"id__lt" if backwards else "id__gt": pk})
        keys += rest.order_by(*order).values_list("job_id", "id")[:wanted]
        jobs = jobs[jobs.index(job) + 1 :]
    if len(keys) < wanted and jobs:
        later = queryset.filter(job_id__in=jobs).order_by(*order).values_list("job_id", "id")
        keys += later[: wanted - len(keys)]
    return keys
