"""Response fixtures: the octo-org/octo-repo project of the corpus's workflow_run payloads (webhook
secret and provider API token), reports landed by its agent, a test learned flaky from real history, and
GitHub's re-run endpoints faked at the HTTP boundary with ``responses`` and the corpus's run example."""

from __future__ import annotations

import copy

import pytest
import responses

from hub.flaky.models import TestHealth
from hub.projects.models import AgentToken, Project
from hub.response.models import FixJob
from hub.response.policy import store
from hub.response.responders import rerun
from hub.runs.models import Run
from tests.hub.api import conftest as api_fixtures
from tests.hub.conftest import Agent, case, report
from tests.hub.operations import conftest as operations
from tests.hub.operations.conftest import GITHUB, github_jobs, github_run, give_token
from tests.hub.webhooks import conftest as webhooks
from tests.hub.webhooks.conftest import corpus_json

# Fixtures shared with the API, operations and webhook tests.
client_for, api = api_fixtures.client_for, operations.api
octo, run_tasks, sender = webhooks.octo, webhooks.run_tasks, webhooks.sender

RUN_ID = 289782451  # the corpus's workflow_run
SHA = "3484a3fb816e0859fd6e1cea078d76385ff50625"
COMPLETED = "github/workflow_run/completed.payload.json"
FLAKY = "test_sometimes"
RERUN_PATH = f"{GITHUB}/repos/octo-org/octo-repo/actions/runs/{RUN_ID}/rerun-failed-jobs"
RUN_PATH = f"{GITHUB}/repos/octo-org/octo-repo/actions/runs/{RUN_ID}"


@pytest.fixture
def octo_agent(octo: Project) -> Agent:
    _, plain = AgentToken.issue(project=octo, name="ci")
    give_token(octo)
    return Agent(plain)


def completed(conclusion: str = "failure", attempt: int = 1) -> dict:
    """The corpus's completed workflow_run, ending with ``conclusion`` on attempt ``attempt``."""
    payload = copy.deepcopy(corpus_json(COMPLETED))
    payload["workflow_run"].update(conclusion=conclusion, run_attempt=attempt)
    return payload


def post(agent: Agent, *cases, run_id: str = str(RUN_ID), attempt: int = 1, sha: str = SHA) -> None:
    response = agent.post_report(report(*cases, run_id=run_id, attempt=attempt, sha=sha, job="build"))
    assert response.status_code == 201, response.content


def learn_flaky(agent: Agent, commit) -> None:
    """History: FLAKY failed, then passed on a re-run of the same commit, so the hub judges it flaky."""
    with commit():
        post(agent, case(FLAKY, "failed", message="AssertionError: timing"), run_id="77", sha="e" * 40)
    with commit():
        post(agent, case(FLAKY), run_id="77", attempt=2, sha="e" * 40)
    assert TestHealth.objects.get(test__name=FLAKY).state == "flaky"


def red_run(agent: Agent, commit, *failing: str, attempt: int = 1) -> Run:
    """The corpus's run, attempt ``attempt``, reported with ``failing`` tests failed and one passing."""
    cases = [case(name, "failed", message="AssertionError: timing") for name in failing]
    with commit():
        post(agent, *cases, case("test_steady"), attempt=attempt)
    return Run.objects.get(provider_run_id=str(RUN_ID), attempt=attempt)


def fake_rerun(api: responses.RequestsMock, attempt: int = 2) -> None:
    """GitHub accepts the re-run of the failed jobs and shows the run's new attempt."""
    api.post(RERUN_PATH, status=201, json={})
    api.get(RUN_PATH, json=github_run(RUN_ID, run_attempt=attempt, status="queued", conclusion=None))


def github_shows(api: responses.RequestsMock, attempt: int, status: int = 200) -> None:
    """GitHub's answer to "how is the run?" (the run, then its jobs): it is on attempt ``attempt``."""
    api.get(RUN_PATH, status=status, json=github_run(RUN_ID, run_attempt=attempt))
    api.get(f"{RUN_PATH}/jobs", json=github_jobs(RUN_ID, {"name": "build", "run_attempt": attempt}))


def rerun_requests(api: responses.RequestsMock) -> int:
    return sum(1 for call in api.calls if call.request.method == "POST" and call.request.url == RERUN_PATH)


@pytest.fixture
def opened(octo, octo_agent, sender, run_tasks, django_capture_on_commit_callbacks) -> FixJob:
    """A re-run fix job opened for the corpus's completed red run and not yet handed to a worker."""
    learn_flaky(octo_agent, run_tasks)
    run = red_run(octo_agent, run_tasks, FLAKY)
    store.save(octo, {"rerun": {"enabled": False}})
    sender.github("workflow_run", completed("failure"))  # completed while re-runs were off
    store.save(octo, {})
    run.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        job = rerun.consider(run, store.effective(octo))
    assert job is not None
    return job


# The coding-agent hand-off's fixtures (fake Codegen and generic agent on loopback, a connected project).
from tests.hub.response import agent_fixtures  # noqa: E402

codegen, generic_agent, connected = (
    agent_fixtures.codegen,
    agent_fixtures.generic_agent,
    agent_fixtures.connected,
)
