"""django-q2 tasks for runs: thin functions taking plain values, calling services."""

from __future__ import annotations

from django.conf import settings

from hub.runs.services import retention


def prune_runs(older_than_days: int | None = None) -> int:
    return retention.prune_runs(settings.RETENTION_DAYS if older_than_days is None else older_than_days)


def analyse_upload(upload_id: int) -> None:
    """After an upload lands: categorise and cluster its failures, update the verdicts of its tests, then
    compare a pull request's failures with its base branch (which needs the fresh verdicts).

    The owed work of an ``upload.stored`` announcement (``hub.outbox``, subscribed in ``apps.py``): it
    runs in the transaction that marks that work done, so all of it happens once or not at all."""
    from hub.failures.services import analysis, classification
    from hub.flaky.services import detection_run

    analysis.analyse_upload(upload_id)
    detection_run.update_for_upload(upload_id)
    classification.classify_upload(upload_id)
