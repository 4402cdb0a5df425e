"""Deliveries in admin: listed, shown with their body, replayed from their stored body."""

from __future__ import annotations

import pytest

from hub.runs.models import Run
from hub.webhooks.models import Delivery, DeliveryStatus
from tests.hub.webhooks.conftest import corpus_json

pytestmark = pytest.mark.django_db
RUN_COMPLETED = "github/workflow_run/completed.with-pull-requests.payload.json"


def test_the_deliveries_list_shows_provider_event_status_and_project(admin_client, sender, octo):
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    page = admin_client.get("/admin/webhooks/delivery/")
    assert page.status_code == 200
    content = page.content.decode()
    assert "workflow_run" in content
    assert "octo-org/octo-repo" in content
    assert "Received" in content


def test_a_delivery_page_shows_its_body(admin_client, sender, octo):
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    page = admin_client.get(f"/admin/webhooks/delivery/{Delivery.objects.get().pk}/change/")
    assert page.status_code == 200
    assert "289782451" in page.content.decode()


def test_replay_from_admin_processes_a_stored_delivery(admin_client, sender, octo, run_tasks):
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    Run.objects.all().delete()  # as if processing had been lost
    delivery = Delivery.objects.get()

    with run_tasks():
        response = admin_client.post(
            "/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [delivery.pk]}, follow=True
        )

    assert "Replayed: 1 processed" in response.content.decode()
    assert Run.objects.get().conclusion == "success"
    assert Delivery.objects.get().attempts == 2


def test_replaying_twice_changes_nothing_more(admin_client, sender, octo, run_tasks):
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    before = list(Run.objects.values("id", "status", "conclusion", "pull_request", "started_at"))
    pk = Delivery.objects.get().pk
    for _ in range(2):
        with run_tasks():
            admin_client.post("/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [pk]})
    assert list(Run.objects.values("id", "status", "conclusion", "pull_request", "started_at")) == before
    assert Delivery.objects.get().status == DeliveryStatus.PROCESSED


def test_a_viewer_without_change_permission_cannot_replay(client, sender, octo, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("vera", password="pw-vera-123", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_delivery"))
    client.force_login(viewer)
    sender.github("workflow_run", corpus_json(RUN_COMPLETED))
    page = client.get("/admin/webhooks/delivery/")
    assert page.status_code == 200
    assert 'value="replay"' not in page.content.decode()
