"""The generic webhook's documented shape, and the project's status mapping for a custom CI's words."""

from __future__ import annotations

import pytest

from hub.integrations.models import Integration
from hub.runs.models import Run
from hub.webhooks.models import Delivery, DeliveryStatus
from hub.webhooks.services import processing

pytestmark = pytest.mark.django_db
AUTH = {"HTTP_AUTHORIZATION": "Bearer generic-token"}


@pytest.fixture
def integration(project) -> Integration:
    integration = Integration(
        project=project, status_mapping={"passed": "success", "building": "in_progress"}
    )
    integration.set_secret("generic_secret", "generic-token")
    integration.save()
    return integration


def test_a_run_with_jobs_in_the_documented_shape_is_recorded(sender, integration, run_tasks):
    body = {
        "id": "evt-1",
        "run": {
            "id": "build-77",
            "number": "77",
            "workflow": "nightly",
            "branch": "main",
            "commit_sha": "ABCDEF" + "0" * 34,
            "status": "building",
            "started_at": "2026-11-20T10:00:00Z",
        },
        "jobs": [{"name": "unit", "id": "j1", "status": "passed"}, {"name": "lint", "status": "queued"}],
    }
    sender.generic("acme/widgets", body, **AUTH)

    run = Run.objects.get()
    assert (run.provider, run.provider_run_id, run.status, run.workflow) == (
        "github",
        "build-77",
        "in_progress",
        "nightly",
    )
    assert run.commit_sha == "abcdef" + "0" * 34
    assert {j.name: (j.status, j.conclusion) for j in run.jobs.all()} == {
        "unit": ("completed", "success"),
        "lint": ("queued", ""),
    }
    assert Delivery.objects.get().delivery_id.endswith(":evt-1")


def test_our_own_status_words_need_no_mapping(sender, integration, run_tasks):
    sender.generic(
        "acme/widgets", {"run": {"id": "r", "status": "completed", "conclusion": "failure"}}, **AUTH
    )
    assert (Run.objects.get().status, Run.objects.get().conclusion) == ("completed", "failure")


def test_an_unmapped_status_fails_the_delivery_with_what_to_do(sender, integration, run_tasks):
    sender.generic("acme/widgets", {"run": {"id": "r", "status": "exploded"}}, **AUTH)

    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "'exploded'" in delivery.error
    assert "status mapping" in delivery.error
    assert not Run.objects.exists()


def test_mapping_the_word_and_replaying_processes_the_failed_delivery(sender, integration, run_tasks):
    sender.generic("acme/widgets", {"run": {"id": "r", "status": "exploded"}}, **AUTH)
    integration.status_mapping["exploded"] = "failure"
    integration.save()

    processing.replay([Delivery.objects.get().pk])

    assert Delivery.objects.get().status == DeliveryStatus.PROCESSED
    assert (Run.objects.get().status, Run.objects.get().conclusion) == ("completed", "failure")


def test_a_body_without_a_run_id_fails_with_the_shape_to_send(sender, integration, run_tasks):
    sender.generic("acme/widgets", {"jobs": []}, **AUTH)
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "docs/webhooks.md" in delivery.error


def test_the_same_event_id_from_two_projects_is_two_deliveries(sender, integration, other_project, run_tasks):
    other = Integration(project=other_project)
    other.set_secret("generic_secret", "other-token")
    other.save()
    sender.generic("acme/widgets", {"id": "1", "run": {"id": "r"}}, **AUTH)
    sender.generic("globex/gadgets", {"id": "1", "run": {"id": "r"}}, HTTP_AUTHORIZATION="Bearer other-token")
    assert Delivery.objects.count() == 2
    assert Run.objects.count() == 2
