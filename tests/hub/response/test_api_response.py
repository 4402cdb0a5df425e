"""The policy and fix jobs through the API: members read, owners change the policy (JSON or YAML, bad
keys named), members retry or cancel fix jobs, another team's answer 404."""

from __future__ import annotations

import json

import pytest

from hub.response.models import FixJob, FixState, Policy
from hub.response.services import fix_jobs

pytestmark = pytest.mark.django_db


def policy_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/policy"


def put(client, project, body: str, content_type: str = "application/json"):
    return client.generic("PUT", policy_url(project), body.encode(), content_type=content_type)


@pytest.fixture
def fix_job(project) -> FixJob:
    job = FixJob.objects.create(project=project, responder="rerun", key="rerun:1:1", reason="flaky")
    fix_jobs.transition(job, FixState.DISPATCHED, "handed to the task queue")
    fix_jobs.transition(job, FixState.RUNNING, "taken by a worker", attempts=1)
    fix_jobs.transition(job, FixState.DEAD, "1 attempts failed; the last: boom", last_error="boom")
    return job


def test_a_member_reads_the_safe_defaults_of_a_project_without_a_policy(project, teammate, client_for):
    response = client_for(teammate).get(policy_url(project))

    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["document"]) == (0, {})
    assert body["effective"]["rerun"]["enabled"] is True
    assert body["effective"]["merge"]["enabled"] is False


def test_an_owner_replaces_the_policy_with_json(project, owner, client_for):
    response = put(client_for(owner, read_only=False), project, json.dumps({"rerun": {"max_per_day": 3}}))

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["updated_by"]) == (1, "olivia")
    assert body["effective"]["rerun"]["max_per_day"] == 3


def test_an_owner_replaces_the_policy_with_yaml_and_each_change_raises_the_version(
    project, owner, client_for
):
    client = client_for(owner, read_only=False)
    put(client, project, "rerun:\n  enabled: false\n", "application/yaml")

    response = put(client, project, "rerun:\n  when: [flaky]\n", "text/yaml")

    assert response.json()["version"] == 2
    assert Policy.objects.get(project=project).document == {"rerun": {"when": ["flaky"]}}


def test_a_bad_policy_is_refused_naming_each_bad_key(project, owner, client_for):
    body = "rerun:\n  max_per_run: -1\nmerge:\n  approvals: -2\n"

    response = put(client_for(owner, read_only=False), project, body, "application/yaml")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "rerun.max_per_run: must be an integer >= 0"
    assert error["details"]["errors"][1] == "merge.approvals: must be an integer >= 0"
    assert not Policy.objects.exists()


def test_a_policy_that_does_not_parse_is_refused(project, owner, client_for):
    response = put(client_for(owner, read_only=False), project, "{not json")

    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("the policy is not valid JSON")


def test_a_teammate_may_not_change_the_policy(project, teammate, client_for):
    response = put(client_for(teammate, read_only=False), project, "{}")

    assert response.status_code == 403
    assert "owners" in response.json()["error"]["message"]


def test_a_read_only_token_may_not_change_the_policy(project, owner, client_for):
    assert put(client_for(owner), project, "{}").status_code == 403


def test_another_teams_policy_is_not_found(project, outsider, client_for):
    assert client_for(outsider).get(policy_url(project)).status_code == 404


def test_a_member_lists_fix_jobs_and_reads_one_with_its_timeline(project, teammate, fix_job, client_for):
    client = client_for(teammate)

    listed = client.get("/api/v1/fix-jobs/", {"project": project.full_name, "state": "dead"}).json()
    detail = client.get(f"/api/v1/fix-jobs/{fix_job.pk}/").json()

    assert [job["key"] for job in listed["results"]] == ["rerun:1:1"]
    assert detail["last_error"] == "boom"
    assert [e["to_state"] for e in detail["events"]] == ["dispatched", "running", "dead"]


def test_an_unknown_state_filter_is_refused_with_the_known_ones(teammate, client_for):
    response = client_for(teammate).get("/api/v1/fix-jobs/", {"state": "stuck"})

    assert response.status_code == 400
    assert "awaiting_verification" in json.dumps(response.json())


def test_a_member_cancels_a_dead_fix_job(teammate, fix_job, client_for):
    response = client_for(teammate, read_only=False).post(f"/api/v1/fix-jobs/{fix_job.pk}/cancel/")

    assert response.status_code == 200
    assert response.json()["events"][-1]["actor"] == "tom"
    fix_job.refresh_from_db()
    assert fix_job.state == FixState.CANCELLED


def test_a_finished_fix_job_cannot_be_cancelled(teammate, fix_job, client_for):
    fix_jobs.cancel(fix_job, "olivia")

    response = client_for(teammate, read_only=False).post(f"/api/v1/fix-jobs/{fix_job.pk}/cancel/")

    assert response.status_code == 409
    assert response.json()["error"]["message"].startswith(f"fix job {fix_job.pk} is cancelled")


def test_a_member_retries_a_dead_fix_job(teammate, fix_job, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(teammate, read_only=False).post(f"/api/v1/fix-jobs/{fix_job.pk}/retry/")

    assert response.status_code == 200
    fix_job.refresh_from_db()
    assert (fix_job.state, fix_job.attempts, fix_job.last_error) == (FixState.PENDING, 0, "")


def test_another_teams_fix_job_is_not_found(outsider, fix_job, client_for):
    assert (
        client_for(outsider, read_only=False).post(f"/api/v1/fix-jobs/{fix_job.pk}/retry/").status_code == 404
    )
