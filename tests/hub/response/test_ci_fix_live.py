"""End to end: ``orchestrate ci fix`` (in-process) asks a live hub over HTTP with a person's API token."""

from __future__ import annotations

import json

import pytest

from agent.cli import ExitStatus, main
from hub.projects import services
from hub.response.models import FixJob, FixState
from hub.response.services import fix_jobs
from hub.runs.models import Conclusion, Run, RunStatus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def red_run(project) -> Run:
    return Run.objects.create(
        project=project, provider="github", provider_run_id="4242", status=RunStatus.COMPLETED,
        conclusion=Conclusion.FAILURE,
    )  # fmt: skip


def env_for(live_server, user) -> dict:
    _, token = services.issue_api_token(user, read_only=False, name="cli")
    return {"ORCHESTRATE_HUB_URL": live_server.url, "ORCHESTRATE_API_TOKEN": token}


def test_an_owner_follows_the_runs_fix_job_to_its_death_and_exits_1(live_server, owner, red_run, capsys):
    job = FixJob.objects.create(project=red_run.project, run=red_run, responder="rerun", key="rerun:4242:1")
    for state in (FixState.DISPATCHED, FixState.RUNNING, FixState.DEAD):
        assert fix_jobs.transition(job, state, f"now {state}")
    argv = ["ci", "fix", "--run", str(red_run.pk), "--wait", "--json", "--timeout", "20"]

    status = main(argv, env_for(live_server, owner))

    assert status is ExitStatus.RUN_FAILED
    document = json.loads(capsys.readouterr().out)
    assert [(j["id"], j["state"]) for j in document["fix_jobs"]] == [(job.pk, "dead")]


def test_a_member_is_refused_by_the_live_hub_and_exits_4(live_server, teammate, red_run, capsys):
    status = main(["ci", "fix", "--run", str(red_run.pk)], env_for(live_server, teammate))

    assert status is ExitStatus.AUTH_REQUIRED
    assert "Only the project's owners may ask" in capsys.readouterr().err
