"""Retention: delete runs (and with them jobs, results, uploads, coverage, artifacts) older than a horizon.

Idempotent by construction: it deletes what is older than a date, so running it twice, or on two workers
at once, leaves the same database. Deletes in bounded batches to keep each transaction short.

Results are deleted first, by job, in one statement per batch: the results table is indexed on
(job), not on run or upload, and Django's cascade would load every result row of the batch to
follow their failures (which go with their jobs anyway). The cascade from the runs then finds no results
left and deletes jobs, uploads, failures, coverage and artifacts.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from hub.runs.models import Artifact, Job, Run, TestResult

BATCH = 200

_DELETE_RESULTS_SQL = (
    f"DELETE FROM {TestResult._meta.db_table} WHERE job_id IN "
    f"(SELECT id FROM {Job._meta.db_table} WHERE run_id IN ({{ids}}))"
)


def prune_runs(older_than_days: int) -> int:
    """Delete runs created more than ``older_than_days`` ago; return how many went."""
    if older_than_days <= 0:
        return 0
    horizon = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        ids = list(
            Run.objects.filter(created_at__lt=horizon).order_by("id").values_list("id", flat=True)[:BATCH]
        )
        if not ids:
            return deleted
        files = list(Artifact.objects.filter(run_id__in=ids).values_list("file", flat=True))
        with transaction.atomic():
            _delete_results(ids)
            Run.objects.filter(id__in=ids).delete()
        _delete_unreferenced(files)
        deleted += len(ids)


def _delete_results(run_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(_DELETE_RESULTS_SQL.replace("{ids}", ", ".join(["%s"] * len(run_ids))), run_ids)


def _delete_unreferenced(names: list[str]) -> None:
    """Artifacts are content-addressed: a file may still serve another run's artifact row."""
    from django.core.files.storage import default_storage

    still_used = set(Artifact.objects.filter(file__in=names).values_list("file", flat=True))
    for name in set(names) - still_used:
        default_storage.delete(name)
