"""Retention: delete runs (and with them jobs, results, uploads, coverage, artifacts) older than a horizon.

Idempotent by construction: it deletes what is older than a date, so running it twice, or on two workers
at once, leaves the same database. Deletes in bounded batches to keep each transaction short.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hub.runs.models import Artifact, Run

BATCH = 200


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
            Run.objects.filter(id__in=ids).delete()
        _delete_unreferenced(files)
        deleted += len(ids)


def _delete_unreferenced(names: list[str]) -> None:
    """Artifacts are content-addressed: a file may still serve another run's artifact row."""
    from django.core.files.storage import default_storage

    still_used = set(Artifact.objects.filter(file__in=names).values_list("file", flat=True))
    for name in set(names) - still_used:
        default_storage.delete(name)
