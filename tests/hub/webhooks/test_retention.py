"""Old deliveries are pruned; the runs they created stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.runs.models import Run
from hub.webhooks import tasks
from hub.webhooks.models import Delivery
from tests.hub.webhooks.conftest import corpus_json

pytestmark = pytest.mark.django_db


def test_deliveries_older_than_the_retention_go_and_their_runs_stay(sender, octo, run_tasks, settings):
    settings.WEBHOOK_RETENTION_DAYS = 30
    sender.github("workflow_run", corpus_json("github/workflow_run/requested.payload.json"), delivery="old")
    sender.github("workflow_run", corpus_json("github/workflow_run/completed.payload.json"), delivery="new")
    Delivery.objects.filter(delivery_id="old").update(received_at=timezone.now() - timedelta(days=31))

    assert tasks.prune_deliveries() == 1

    assert list(Delivery.objects.values_list("delivery_id", flat=True)) == ["new"]
    assert Run.objects.count() == 1


def test_a_retention_of_zero_keeps_every_delivery(sender, octo):
    sender.github(
        "ping", corpus_json("github/ping/payload.json") | {"repository": {"full_name": octo.full_name}}
    )
    Delivery.objects.update(received_at=timezone.now() - timedelta(days=3650))
    assert tasks.prune_deliveries(0) == 0
    assert Delivery.objects.count() == 1


def test_migrate_schedules_the_daily_pruning(db):
    from django_q.models import Schedule

    assert Schedule.objects.filter(name="webhooks.prune", func="hub.webhooks.tasks.prune_deliveries").exists()
