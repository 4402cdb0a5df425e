"""Admin: dead fix jobs with their last error and timeline, retried or cancelled by an operator; the
policy edited as YAML with the validation errors shown beside it."""

from __future__ import annotations

import pytest

from hub.response.models import FixJob, FixState, Policy
from hub.response.services import fix_jobs

pytestmark = pytest.mark.django_db


@pytest.fixture
def dead(project) -> FixJob:
    job = FixJob.objects.create(project=project, responder="rerun", key="rerun:9:1", reason="flaky")
    fix_jobs.transition(job, FixState.DISPATCHED, "handed to the task queue")
    fix_jobs.transition(job, FixState.RUNNING, "taken by a worker", attempts=1)
    fix_jobs.transition(job, FixState.DEAD, "1 attempts failed", last_error="RateLimitedError: wait")
    return job


def test_the_list_shows_a_dead_job_with_its_last_error(admin_client, dead):
    page = admin_client.get("/admin/response/fixjob/", {"state__exact": "dead"}).content.decode()

    assert "rerun:9:1" in page
    assert "RateLimitedError: wait" in page


def test_the_page_of_a_job_shows_its_timeline(admin_client, dead):
    page = admin_client.get(f"/admin/response/fixjob/{dead.pk}/change/").content.decode()

    assert "taken by a worker" in page
    assert "1 attempts failed" in page


def test_an_operator_cancels_a_dead_job(admin_client, dead):
    admin_client.post("/admin/response/fixjob/", {"action": "cancel", "_selected_action": [dead.pk]})

    dead.refresh_from_db()
    assert dead.state == FixState.CANCELLED
    assert dead.events.last().actor == "admin"


def test_an_operator_retries_a_dead_job(admin_client, dead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        admin_client.post("/admin/response/fixjob/", {"action": "try_again", "_selected_action": [dead.pk]})

    dead.refresh_from_db()
    assert (dead.state, dead.attempts) == (FixState.PENDING, 0)


def test_the_policy_editor_saves_valid_yaml(admin_client, project, admin_user):
    response = admin_client.post(
        "/admin/response/policy/add/", {"project": project.pk, "text": "rerun:\n  max_per_day: 2\n"}
    )

    assert response.status_code == 302
    policy = Policy.objects.get()
    assert (policy.document, policy.updated_by) == ({"rerun": {"max_per_day": 2}}, admin_user)


def test_the_policy_editor_shows_each_bad_key(admin_client, project):
    response = admin_client.post(
        "/admin/response/policy/add/", {"project": project.pk, "text": "rerun:\n  max_per_run: many\n"}
    )

    assert response.status_code == 200
    assert "rerun.max_per_run: must be an integer &gt;= 0" in response.content.decode()
    assert not Policy.objects.exists()


def test_the_policy_editor_starts_from_the_defaults(admin_client):
    page = admin_client.get("/admin/response/policy/add/").content.decode()

    assert "max_per_run: 1" in page
