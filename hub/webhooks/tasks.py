"""django-q2 tasks for webhooks: thin functions taking ids, calling services."""

from __future__ import annotations

import logging

from django.conf import settings

from hub.webhooks.services import processing, retention

log = logging.getLogger(__name__)


def process_delivery(delivery_id: int) -> str:
    return processing.process(delivery_id).status


def job_failed(job_id: int) -> None:
    """A job a webhook showed failing has completed: its log is fetched once, stored and categorised."""
    from hub.operations.services import logs

    log.info("job %s failed; fetching its log", job_id)
    logs.fetch_job_log(job_id)


def prune_deliveries(older_than_days: int | None = None) -> int:
    days = settings.WEBHOOK_RETENTION_DAYS if older_than_days is None else older_than_days
    return retention.prune_deliveries(days)
