"""Operators see owed work in the admin, dead work with its reason, and can put it back on the queue."""

from __future__ import annotations

import pytest
from django.db import transaction

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims
from tests.hub.outbox.conftest import queued

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/outbox/owedwork/"


@pytest.fixture
def dead(broken_topic, settings):
    from hub.outbox.services.announce import announce

    settings.OWED_MAX_ATTEMPTS = 1
    with transaction.atomic():
        (work_id,) = announce(broken_topic, 42)
    claims.perform(work_id)
    return OwedWork.objects.get(pk=work_id)


def test_dead_work_is_listed_with_its_state(admin_client, dead):
    response = admin_client.get(CHANGELIST, {"state__exact": "dead"})

    assert response.status_code == 200
    assert b"test.broken" in response.content


def test_dead_work_shows_why_it_died(admin_client, dead):
    response = admin_client.get(f"{CHANGELIST}{dead.pk}/change/")

    assert b"RuntimeError: subject 42 cannot be handled" in response.content


def test_trying_dead_work_again_queues_it_with_its_attempts_reset(
    admin_client, dead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(CHANGELIST, {"action": "try_again", "_selected_action": [dead.pk]})

    assert response.status_code == 302
    work = OwedWork.objects.get()
    assert (work.state, work.attempts) == (WorkState.OWED, 0)
    assert queued() == [dead.pk]
