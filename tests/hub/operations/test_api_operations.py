"""Operators' actions through the API: trigger, re-run and cancel go to the project's CI through its client,
only for members with a read-write token, and every request leaves an audit record with the answer."""

from __future__ import annotations

import json

import pytest

from hub.operations.models import Action
from tests.hub.api.factories import make_job, make_run
from tests.hub.operations.conftest import (
    PROVIDER_TOKEN,
    corpus_api,
    github_jobs,
    github_run,
    give_token,
    repo_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client_for, with_token, teammate):
    return client_for(teammate, read_only=False)


@pytest.fixture
def stuck(with_token):
    return make_run(with_token, provider_run_id="30433642", status="in_progress", conclusion="")


def test_a_member_triggers_a_workflow_and_gets_the_new_run(member, with_token, api):
    api.post(
        repo_url(with_token, "/actions/workflows/ci.yml/dispatches"),
        json={"workflow_run_id": 30433642, "run_url": "", "html_url": ""},
    )
    api.get(repo_url(with_token, "/actions/runs/30433642"), json=github_run(30433642))
    api.get(repo_url(with_token, "/actions/runs/30433642/jobs"), json=github_jobs(30433642))

    response = member.post(
        f"/api/v1/projects/{with_token.pk}/trigger",
        {"workflow": "ci.yml", "ref": "release", "inputs": {"debug": "true"}},
        format="json",
    )

    assert response.status_code == 202, response.content
    assert response.json()["result_run_id"] == "30433642"
    assert response.json()["result_url"] == "https://github.com/octo-org/octo-repo/actions/runs/30433642"
    sent = json.loads(api.calls[0].request.body)
    assert sent == {"ref": "release", "inputs": {"debug": "true"}, "return_run_details": True}
    assert api.calls[0].request.headers["Authorization"] == f"Bearer {PROVIDER_TOKEN}"


def test_a_trigger_without_a_ref_runs_on_the_projects_default_branch(member, with_token, api):
    api.post(
        repo_url(with_token, "/actions/workflows/ci.yml/dispatches"),
        json={"workflow_run_id": 30433642, "run_url": "", "html_url": ""},
    )
    api.get(repo_url(with_token, "/actions/runs/30433642"), json=github_run(30433642))
    api.get(repo_url(with_token, "/actions/runs/30433642/jobs"), json=github_jobs(30433642))

    member.post(f"/api/v1/projects/{with_token.pk}/trigger", {"workflow": "ci.yml"}, format="json")

    assert json.loads(api.calls[0].request.body)["ref"] == "main"


def test_a_trigger_is_recorded_with_who_what_and_the_providers_answer(member, with_token, teammate, api):
    api.post(
        repo_url(with_token, "/actions/workflows/ci.yml/dispatches"),
        json={"workflow_run_id": 30433642, "run_url": "", "html_url": ""},
    )
    api.get(repo_url(with_token, "/actions/runs/30433642"), json=github_run(30433642))
    api.get(repo_url(with_token, "/actions/runs/30433642/jobs"), json=github_jobs(30433642))

    member.post(f"/api/v1/projects/{with_token.pk}/trigger", {"workflow": "ci.yml"}, format="json")

    action = Action.objects.get()
    assert (action.kind, action.via, action.user, action.actor) == ("trigger", "api", teammate, "tom")
    assert (action.target, action.parameters["ref"], action.outcome) == ("ci.yml", "main", "succeeded")
    assert action.message == "started run 30433642 of ci.yml on main"


def test_re_running_the_failed_jobs_asks_the_provider_for_exactly_that(member, stuck, api):
    api.post(repo_url(stuck.project, "/actions/runs/30433642/rerun-failed-jobs"), status=201)
    api.get(repo_url(stuck.project, "/actions/runs/30433642"), json=github_run(30433642, run_attempt=2))

    response = member.post(f"/api/v1/runs/{stuck.pk}/rerun", {"failed_only": True}, format="json")

    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "rerun_failed"
    assert response.json()["message"] == (
        "re-run of the failed jobs requested; run 30433642 attempt 2 is queued"
    )
    assert Action.objects.get().run == stuck


def test_re_running_one_job_sends_the_providers_job_id(member, stuck, api):
    job = make_job(stuck, "lint", provider_job_id="399444496")
    api.post(repo_url(stuck.project, "/actions/jobs/399444496/rerun"), status=201)
    api.get(repo_url(stuck.project, "/actions/runs/30433642"), json=github_run(30433642))

    response = member.post(f"/api/v1/runs/{stuck.pk}/rerun", {"job": job.pk}, format="json")

    assert response.status_code == 202, response.content
    assert response.json()["kind"] == "rerun_job"
    assert response.json()["parameters"]["provider_job_id"] == "399444496"


def test_a_job_of_another_run_is_not_found(member, stuck, with_token, api):
    elsewhere = make_job(make_run(with_token), "lint", provider_job_id="1")

    response = member.post(f"/api/v1/runs/{stuck.pk}/rerun", {"job": elsewhere.pk}, format="json")

    assert response.status_code == 404
    assert not api.calls


def test_asking_for_the_failed_jobs_and_one_job_at_once_is_invalid(member, stuck, api):
    job = make_job(stuck, "lint", provider_job_id="399444496")

    response = member.post(
        f"/api/v1/runs/{stuck.pk}/rerun", {"failed_only": True, "job": job.pk}, format="json"
    )

    assert response.status_code == 400
    assert not api.calls
    assert not Action.objects.exists()


def test_a_member_cancels_a_run(member, stuck, api):
    api.post(repo_url(stuck.project, "/actions/runs/30433642/cancel"), status=202, json={})

    response = member.post(f"/api/v1/runs/{stuck.pk}/cancel")

    assert response.status_code == 202, response.content
    assert (response.json()["kind"], response.json()["outcome"]) == ("cancel", "succeeded")
    assert len(api.calls) == 1


def test_a_gitlab_pipeline_is_cancelled_through_the_gitlab_client(client_for, other_project, outsider, api):
    give_token(other_project)
    run = make_run(other_project, provider_run_id="46", status="in_progress", conclusion="")
    api.post(
        "https://gitlab.com/api/v4/projects/globex%2Fgadgets/pipelines/46/cancel",
        json={**corpus_api("gitlab/gitlab4j/pipeline.json"), "status": "canceled"},
    )

    response = client_for(outsider, read_only=False).post(f"/api/v1/runs/{run.pk}/cancel")

    assert response.status_code == 202, response.content
    assert api.calls[0].request.headers["PRIVATE-TOKEN"] == PROVIDER_TOKEN


def test_an_outsider_gets_404_and_nothing_is_sent(client_for, outsider, stuck, with_token, api):
    client = client_for(outsider, read_only=False)

    answers = [
        client.post(f"/api/v1/runs/{stuck.pk}/cancel").status_code,
        client.post(f"/api/v1/runs/{stuck.pk}/rerun", {"failed_only": True}, format="json").status_code,
        client.post(
            f"/api/v1/projects/{with_token.pk}/trigger", {"workflow": "ci.yml"}, format="json"
        ).status_code,
    ]

    assert answers == [404, 404, 404]
    assert not api.calls
    assert not Action.objects.exists()


def test_a_read_only_token_gets_403_and_nothing_is_sent(client_for, teammate, stuck, with_token, api):
    client = client_for(teammate, read_only=True)

    answers = [
        client.post(f"/api/v1/runs/{stuck.pk}/cancel").status_code,
        client.post(f"/api/v1/runs/{stuck.pk}/rerun", {"failed_only": True}, format="json").status_code,
        client.post(
            f"/api/v1/projects/{with_token.pk}/trigger", {"workflow": "ci.yml"}, format="json"
        ).status_code,
    ]

    assert answers == [403, 403, 403]
    assert not api.calls
    assert not Action.objects.exists()


def test_a_project_without_a_provider_token_answers_409_with_where_to_set_it(
    client_for, teammate, project, api
):
    run = make_run(project, provider_run_id="30433642", status="in_progress", conclusion="")

    response = client_for(teammate, read_only=False).post(f"/api/v1/runs/{run.pk}/cancel")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "provider_not_configured"
    assert "Integrations" in error["details"]["hint"]
    assert Action.objects.get().outcome == "failed"
    assert not api.calls


def test_a_providers_refusal_answers_502_with_its_hint_and_is_recorded(member, stuck, api):
    api.post(
        repo_url(stuck.project, "/actions/runs/30433642/cancel"),
        status=403,
        json={"message": "Resource not accessible by personal access token"},
    )

    response = member.post(f"/api/v1/runs/{stuck.pk}/cancel")

    assert response.status_code == 502
    error = response.json()["error"]
    assert error["code"] == "provider_error"
    assert "Resource not accessible" in error["message"]
    assert "Actions: read and write" in error["details"]["hint"]
    action = Action.objects.get()
    assert (action.outcome, action.provider_status, action.error_type) == (
        "failed",
        403,
        "AuthenticationError",
    )


def test_the_provider_token_never_appears_in_an_answer_or_a_record(member, stuck, api):
    api.post(repo_url(stuck.project, "/actions/runs/30433642/cancel"), status=500, json={"message": "boom"})

    response = member.post(f"/api/v1/runs/{stuck.pk}/cancel")

    action = Action.objects.get()
    assert PROVIDER_TOKEN not in response.content.decode()
    assert PROVIDER_TOKEN not in " ".join([action.message, action.hint, json.dumps(action.parameters)])
