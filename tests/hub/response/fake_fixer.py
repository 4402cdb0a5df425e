"""The fixer responder's outside world at the HTTP boundary: GitHub's workflow_dispatch (the run it
names, from the corpus's run example), its pull requests (the corpus's pull-request example), and a red
run the hub analyses as an import failure, reported by the octo project's agent."""

from __future__ import annotations

import copy
import json

import responses

from hub.runs.models import Run
from tests.agent.fix.publish_fakes import github_pull
from tests.hub.conftest import Agent, case, report
from tests.hub.operations.conftest import GITHUB, github_jobs, github_run
from tests.hub.response.conftest import RUN_ID, SHA, completed

REPO = f"{GITHUB}/repos/octo-org/octo-repo"
DISPATCH = f"{REPO}/actions/workflows/orchestrate-fix.yml/dispatches"
FIX_RUN = 30433642  # the run the dispatch starts
IMPORT_ERROR = "ModuleNotFoundError: No module named 'yaml'"
ROUTED = {"route": {"fixer": ["import"]}, "rerun": {"enabled": False}}


def red_import_run(agent: Agent, commit, *, also_failing: str = "") -> Run:
    """The corpus's run, reported with a test failing on a missing module (and ``also_failing`` on an
    assertion, when given)."""
    cases = [case("test_loads_config", "failed", message=IMPORT_ERROR), case("test_steady")]
    if also_failing:
        cases.append(case(also_failing, "failed", message="AssertionError: 2 != 3"))
    with commit():
        response = agent.post_report(report(*cases, run_id=str(RUN_ID), sha=SHA, job="build"))
    assert response.status_code == 201, response.content
    return Run.objects.get(provider_run_id=str(RUN_ID), attempt=1)


def fake_dispatch(api: responses.RequestsMock) -> None:
    """GitHub accepts the dispatch and names the run it started."""
    web = f"https://github.com/octo-org/octo-repo/actions/runs/{FIX_RUN}"
    api.post(
        DISPATCH,
        json={"workflow_run_id": FIX_RUN, "run_url": f"{REPO}/actions/runs/{FIX_RUN}", "html_url": web},
    )
    queued = github_run(FIX_RUN, event="workflow_dispatch", status="queued", conclusion=None)
    api.get(f"{REPO}/actions/runs/{FIX_RUN}", json=queued)
    api.get(f"{REPO}/actions/runs/{FIX_RUN}/jobs", json=github_jobs(FIX_RUN, {"name": "fix"}))


def dispatches(api: responses.RequestsMock) -> list[dict]:
    return [
        json.loads(c.request.body)
        for c in api.calls
        if c.request.method == "POST" and c.request.url == DISPATCH
    ]


def pull_request_event(number: int, head: str, *, fork: bool = False, action: str = "opened") -> dict:
    """GitHub's pull_request webhook (the corpus's ``opened``), as octo-org/octo-repo's pull request."""
    from tests.hub.webhooks.conftest import corpus_json

    payload = copy.deepcopy(corpus_json("github/pull_request/opened.payload.json"))
    pull = github_pull(number, head, "master", fork=fork)
    payload.update(action=action, number=number, pull_request=pull)
    payload["repository"]["full_name"] = "octo-org/octo-repo"
    return payload


def run_completed_event(run_id: int, branch: str, conclusion: str) -> dict:
    """The corpus's completed workflow_run as run ``run_id`` on ``branch``."""
    payload = completed(conclusion)
    payload["workflow_run"].update(id=run_id, head_branch=branch, head_sha="b" * 40, pull_requests=[])
    return payload
