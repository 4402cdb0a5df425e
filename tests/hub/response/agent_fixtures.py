"""Fixtures of the coding-agent hand-off: octo-org/octo-repo connected to a fake Codegen (or a fake
generic agent) on loopback, a policy routing assertion failures to it, owners and members of octo."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from hub.projects.models import Membership, Project
from hub.response.agents import signing
from hub.response.agents.models import AgentConnection, AgentRun
from hub.response.models import FixJob
from hub.response.policy import store
from hub.response.services import agent_runs, fix_jobs
from hub.runs.models import Run
from tests.hub.response.conftest import completed, red_run
from tests.hub.response.fake_agents import ORG, TOKEN, FakeAgent, FakeCodegen

BROKEN = "test_total"
AGENT_SECRET = "generic-agent-signing-secret"


def route(project: Project, **agent) -> None:
    store.save(project, {"route": {"coding_agent": ["assertion"]},
                         "agent": {"adapter": "codegen", "organization": str(ORG), **agent}})  # fmt: skip


@pytest.fixture
def codegen(api):
    with FakeCodegen() as server:
        api.add_passthru(server.url)
        yield server


@pytest.fixture
def generic_agent(api):
    with FakeAgent() as server:
        api.add_passthru(server.url)
        yield server


@pytest.fixture
def connected(octo, codegen) -> Project:
    connection = AgentConnection(project=octo, api_url=codegen.url)
    connection.set_secret(TOKEN)
    connection.save()
    route(octo)
    return octo


def member(project: Project, name: str, role: str):
    user = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
    Membership.objects.create(project=project, user=user, role=role)
    return user


def broken_run(octo_agent, run_tasks, sender) -> Run:
    """The corpus's run, reported with an assertion failure, then completed red at GitHub."""
    run = red_run(octo_agent, run_tasks, BROKEN)
    sender.github("workflow_run", completed("failure"))
    run.refresh_from_db()
    return run


def handoff() -> FixJob:
    return FixJob.objects.get(responder="coding_agent")


def poll_later(seconds: float) -> int:
    return agent_runs.poll(timezone.now() + timedelta(seconds=seconds))


def perform_when_due(job: FixJob) -> str:
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
    return fix_jobs.perform(job.pk)


def callback(client, run: AgentRun, body: dict, secret: str = AGENT_SECRET, **headers):
    """The generic agent's signed callback about ``run``, posted to the hub."""
    data = json.dumps(body).encode()
    signed = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signing.headers(secret, data).items()}
    return client.post(f"/api/v1/agent-runs/{run.pk}/callback", data, content_type="application/json",
                       **{**signed, **headers})  # fmt: skip
