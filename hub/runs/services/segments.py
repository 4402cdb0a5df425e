"""A project's results are numbered in segments, and a test's history is read newest segment first.

Why: an upload of a suite adds a result to every test in it. Under an index keyed by test, those rows
land in every part of the index: each upload rewrote pages in proportion to the whole table (through
the API on SQLite, a 100k-case upload's worker wrote 48 MB at the 2nd upload and 185 MB at the 40th;
46-50 MB throughout with the segment first: ``benchmarks/ingest_growth.py``), so ingest slowed as
history grew. Keyed by (segment, test,
id), an upload's rows land in the newest segment's part of the index, which never holds more than about
``SEGMENT_RESULTS`` results: what an upload writes stays bounded however many results are stored.

A test's newest results are then ``segment IN (newest .. 0) AND test_id = ? ORDER BY segment DESC, id
DESC``: SQLite and PostgreSQL both walk the index in that order for an IN list on its first column, with
no sort, and stop at the LIMIT. It is newest first because a project's segment only grows and its loads
are serialised (``load.lock_project``): a later segment holds only later, larger ids.
"""

from __future__ import annotations

from django.db.models import F, QuerySet

from hub.projects.models import Project

SEGMENT_BITS = 16
SEGMENT_RESULTS = 1 << SEGMENT_BITS  # 65,536: a large suite's upload opens a segment of its own
NEWEST_FIRST = ("-segment", "-id")


def open_segment(project_id: int) -> int:
    """The segment a load starting now writes into; the caller holds the project's lock."""
    loaded = Project.objects.filter(pk=project_id).values_list("results_loaded", flat=True).get()
    return loaded >> SEGMENT_BITS


def record_loaded(project_id: int, results: int) -> None:
    """Count a load's results towards the project's segments (in the load's transaction)."""
    if results:
        Project.objects.filter(pk=project_id).update(results_loaded=F("results_loaded") + results)


def descending(project: Project | int) -> list[int]:
    """Every segment the project's results can be in, newest first. A ``Project`` answers from the row
    as it was read, saving a query: a load committed since then is simply not seen yet, as if the read
    had come a moment earlier."""
    newest = project.results_loaded >> SEGMENT_BITS if isinstance(project, Project) else open_segment(project)
    return list(range(newest, -1, -1))


def newest_first(results: QuerySet, project: Project | int) -> QuerySet:
    """``results`` (of tests of one project, filtered by test) ordered newest first through the history
    index (``result_segment_test``)."""
    return results.filter(segment__in=descending(project)).order_by(*NEWEST_FIRST)
