"""Operators' tasks through the API: an owner's task goes to the project's agent and ends in a pull
request that the task shows with its validation; members read; retry and cancel; the daily cap."""

from __future__ import annotations

import pytest

from hub.response.agents.models import AgentRun, Strategy
from hub.response.models import FixState
from hub.response.services import pipeline
from hub.runs.models import Run
from tests.hub.response.agent_fixtures import member, poll_later, route
from tests.hub.response.fake_agents import Plan

pytestmark = pytest.mark.django_db
PULL = {"id": 90, "title": "Add retries", "url": "https://github.com/octo-org/octo-repo/pull/90",
        "head_branch_name": "codegen-bot/retries", "created_at": "2026-12-07T16:30:00Z"}  # fmt: skip
TASK = {
    "title": "Retry uploads on 503",
    "description": "The uploader gives up on the first 503; it should retry with backoff.",
    "requirements": "Keep the public API; no new dependency.",
    "acceptance_criteria": "A test shows two 503s then a 201 succeed.",
    "priority": "high",
}


@pytest.fixture
def owner(octo):
    return member(octo, "otto", "owner")


@pytest.fixture
def teammate(octo):
    return member(octo, "tina", "member")


def create(client_for, user, project, **extra):
    return client_for(user, read_only=False).post(
        "/api/v1/tasks/", {"project": project.pk, **TASK, **extra}, format="json"
    )


def test_a_task_from_the_api_ends_in_a_pull_request_with_its_validation(
    connected, codegen, owner, teammate, client_for, run_tasks
):
    codegen.plans = [Plan("COMPLETE", [PULL])]
    with run_tasks():
        created = create(client_for, owner, connected)
    assert created.status_code == 201, created.content
    task = created.json()
    assert task["state"] == FixState.PENDING  # sent to a worker once the request commits
    assert client_for(teammate).get(f"/api/v1/tasks/{task['id']}/").json()["state"] == "awaiting_verification"
    prompt = codegen.created[0]["prompt"]
    assert "Retry uploads on 503" in prompt
    assert "A test shows two 503s then a 201 succeed." in prompt

    poll_later(61)
    poll_later(200)
    ci = Run.objects.create(project=connected, provider="github", provider_run_id="555", pull_request=90,
                            status="completed", conclusion="success")  # fmt: skip
    pipeline.run_completed(ci.pk)  # the pull request's CI settles the task (merging is off)

    shown = client_for(teammate).get(f"/api/v1/tasks/{task['id']}/").json()
    assert shown["state"] == FixState.SUCCEEDED
    assert shown["pull_request_url"] == PULL["url"]
    assert shown["current_step"] == "the fix's run on pull request 90 passed"
    assert shown["validation"]["conclusion"] == "success"
    assert shown["merge_decision"] == ""
    listed = client_for(teammate).get("/api/v1/tasks/", {"project": connected.full_name}).json()
    assert [t["id"] for t in listed["results"]] == [task["id"]]


def test_a_member_cannot_create_a_task(connected, codegen, teammate, client_for):
    response = create(client_for, teammate, connected)

    assert response.status_code == 403
    assert codegen.created == []


def test_a_task_beyond_the_daily_cap_is_refused_saying_so(connected, codegen, owner, client_for):
    route(connected, max_per_day=1)
    assert create(client_for, owner, connected).status_code == 201

    refused = create(client_for, owner, connected)

    assert refused.status_code == 409
    assert "agent.max_per_day (1)" in refused.json()["error"]["message"]


def test_a_failed_task_is_retried_with_a_fresh_budget_of_attempts_and_then_cancelled(
    connected, codegen, owner, client_for, run_tasks
):
    codegen.plans = [Plan("FAILED"), Plan("COMPLETE", [PULL])]
    route(connected, max_attempts=1)
    client = client_for(owner, read_only=False)
    with run_tasks():
        task = create(client_for, owner, connected).json()
    poll_later(61)
    poll_later(200)
    assert client.get(f"/api/v1/tasks/{task['id']}/").json()["state"] == FixState.FAILED

    with run_tasks():
        retried = client.post(f"/api/v1/tasks/{task['id']}/retry/")

    assert retried.status_code == 200, retried.content
    assert client.get(f"/api/v1/tasks/{task['id']}/").json()["agent_runs"] == 2
    assert AgentRun.objects.get(attempt=2).strategy == Strategy.CONTEXT  # a new round starts over
    assert len(codegen.created) == 2
    cancelled = client.post(f"/api/v1/tasks/{task['id']}/cancel/")
    assert (cancelled.status_code, cancelled.json()["state"]) == (200, FixState.CANCELLED)
    again = client.post(f"/api/v1/tasks/{task['id']}/cancel/")
    assert again.status_code == 409


def test_a_project_without_an_agent_refuses_tasks(octo, owner, client_for):
    response = create(client_for, owner, octo)

    assert response.status_code == 409
    assert "set agent.adapter" in response.json()["error"]["message"]
