"""Deliveries are kept for replay and diagnosis, not forever: older than ``WEBHOOK_RETENTION_DAYS`` they go.

Runs and jobs they created stay (they follow ``RETENTION_DAYS``). Deletes in bounded batches; running
twice leaves the same database.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from hub.webhooks.models import Delivery

BATCH = 1000


def prune_deliveries(older_than_days: int) -> int:
    """Delete deliveries received more than ``older_than_days`` ago; return how many went."""
    if older_than_days <= 0:
        return 0
    horizon = timezone.now() - timedelta(days=older_than_days)
    deleted = 0
    while True:
        ids = list(Delivery.objects.filter(received_at__lt=horizon).values_list("id", flat=True)[:BATCH])
        if not ids:
            return deleted
        Delivery.objects.filter(id__in=ids).delete()
        deleted += len(ids)
