"""A delivery's processing is owed work: recorded with the delivery, done once however often its task
arrives, and not owed at all for an event the hub does not use."""

from __future__ import annotations

import pytest

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims
from hub.webhooks.models import Delivery, DeliveryStatus
from hub.webhooks.services.processing import DELIVERY_RECEIVED
from tests.hub.webhooks.conftest import corpus_bytes

pytestmark = pytest.mark.django_db

WORKFLOW_RUN = "github/workflow_run/completed.with-pull-requests.payload.json"


def test_a_stored_delivery_owes_its_processing(sender, octo):
    sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN))

    work = OwedWork.objects.get()
    assert (work.topic, work.subject_id, work.consumer) == (
        DELIVERY_RECEIVED,
        Delivery.objects.get().pk,
        "hub.webhooks.tasks.process_delivery",
    )


def test_a_redelivered_task_for_a_processed_delivery_does_nothing(sender, octo):
    sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN))
    work = OwedWork.objects.get()
    assert claims.perform(work.pk) == WorkState.DONE

    assert claims.perform(work.pk) == claims.SKIPPED  # the ORM broker's retry, or the sweep's copy

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PROCESSED, 1)


def test_an_ignored_event_owes_nothing(sender, hello_world):
    sender.github("check_run", corpus_bytes("github/check_run/completed.payload.json"))
    assert not OwedWork.objects.exists()
