"""The fixer's dispatch (GitHub, GitLab), a coding agent's run and an operator's task hand-off, each made
once by a real worker SIGKILLed in the middle of making it, on the ORM broker and on Redis.

The fakes make the effect when its request arrives and hold the first answer (``slow``): GitHub on
loopback (``loopback.py``: the fix workflow's ``workflow_dispatch``, the run it starts titled for the job
by the shipped workflow's ``run-name``), Codegen and a generic agent (``fake_agents.py``). A one-worker
cluster is killed between the call and the record of its answer, leaving the effect ``intended`` and the
job ``running``. A second cluster and the resume pass (every minute in production, run here by the test
in the cluster's environment) take the job back when its lease runs out and hand it to a worker again,
which asks before calling:

- GitHub shows the fix workflow's run titled for the job: adopted, not dispatched again;
- GitLab's pipelines do not show which fix job they are for (``loopback_gitlab.py``): nothing is started
  again, and the job fails saying so;
- Codegen cannot be asked which run a request started: nothing is sent again, and the job fails saying
  so, for a person to look (the run the killed worker started is the only one);
- the generic agent answers the run it started for the same ``Idempotency-Key``: adopted, and the
  agent's signed callback then ends the task with its pull request.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone

from hub.integrations.models import Integration
from hub.projects.models import Project
from hub.response.agents.models import AgentConnection, AgentRun, AgentRunState, Task
from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs
from hub.runs.models import Run
from tests.hub.api.factories import make_run
from tests.hub.cluster import REDIS_URL, Cluster, hub_env, manage, require_redis, resume_until
from tests.hub.operations.conftest import corpus_api, give_token
from tests.hub.response.agent_fixtures import AGENT_SECRET, callback, member, route
from tests.hub.response.fake_agents import TOKEN, FakeAgent, FakeCodegen
from tests.hub.response.fake_fixer import ROUTED
from tests.hub.response.loopback import FIX_RUN, FakeServices
from tests.hub.response.loopback_gitlab import FakeGitLab
from tests.hub.test_owed_work_cluster import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEASE = 8  # seconds a worker holds an attempt; Q_TIMEOUT below it, as the settings require
SLOW_ANSWER = 20.0  # the first call is answered this late: the kill lands first
PULL = "https://github.com/octo-org/octo-repo/pull/78"
TASK = {"title": "Retry uploads on 503", "description": "The uploader gives up on the first 503.",
        "acceptance_criteria": "A test shows two 503s then a 201 succeed.", "priority": "high"}  # fmt: skip


@pytest.fixture(params=["orm", pytest.param("redis", marks=pytest.mark.redis)])
def broker(request) -> dict:
    """The cluster's environment, on the ORM broker or on Redis, with a queue of its own."""
    env = hub_env(Q_TIMEOUT=str(LEASE - 2), Q_RETRY=str(LEASE), OWED_LEASE_SECONDS=str(LEASE),
                  FIX_JOB_LEASE_SECONDS=str(LEASE), FIX_JOB_BACKOFF_SECONDS="1")  # fmt: skip
    if request.param == "redis":
        require_redis()
        env["REDIS_URL"] = REDIS_URL
    return env


def hand(env: dict, job_id: int) -> None:
    """Give the job to the cluster's queue, from the cluster's environment: this process enqueued it on
    its own broker (its ORM queue, or Redis when ``REDIS_URL`` is set), which the cluster does not read."""
    manage(env, "shell", "-c", f"from hub.response.services.fix_jobs import dispatch; dispatch([{job_id}])")


def timeline(job_id: int) -> str:
    job = FixJob.objects.get(pk=job_id)
    events = list(job.events.values_list("to_state", "reason"))
    return f"events {events}; effects {list(job.effects.values_list('key', 'state', 'detail'))}"


def killed_mid_call(env: dict, job_id: int, called: Callable[[], bool]) -> str:
    """A one-worker cluster takes the job and is killed once the outside service has the call (and is
    still answering it). Returns the cluster's output."""
    first = Cluster(env)
    try:
        hand(env, job_id)
        arrived = wait_for(called, 60, step=0.1)
    finally:
        output = first.kill()
    assert arrived, f"the worker never made the call; {timeline(job_id)}\n{output[-4000:]}"
    job = FixJob.objects.get(pk=job_id)
    assert job.state == FixState.RUNNING, timeline(job_id)
    assert job.effects.get().state == EffectState.INTENDED  # made, its answer never read
    return output


def recovered(env: dict, job_id: int, state: str) -> str:
    """A second cluster and the resume pass take the lost job back and settle it in ``state``."""
    second = Cluster(env)
    try:
        settled = resume_until(env, lambda: FixJob.objects.get(pk=job_id).state == state, LEASE + 40)
    finally:
        output = second.stop()
    assert settled, f"the job did not reach {state}; {timeline(job_id)}\n{output[-4000:]}"
    return output


def recent_red_run(project: Project, **fields) -> Run:
    """A failed run of today: the cluster's pruning schedule, run as it starts, keeps it."""
    return make_run(project, conclusion="failure", created_at=timezone.now(), **fields)


@pytest.fixture
def github(octo: Project):
    corpus_api("github/examples/issues__create-comment.201.default.json")  # skips here, not in the fake
    give_token(octo)
    server = FakeServices(0).start()
    Integration.objects.filter(project=octo).update(api_url=server.url)
    yield server
    server.close()


def test_the_fix_workflow_is_dispatched_once_when_the_worker_is_killed_mid_dispatch(octo, github, broker):
    store.save(octo, ROUTED)
    red = recent_red_run(octo, branch="develop")
    job = fix_jobs.open_job(octo.pk, "fixer", f"fixer:{red.provider_run_id}:1", "routed", run=red)
    github.slow = {"dispatch": SLOW_ANSWER}

    output = killed_mid_call(broker, job.pk, lambda: github.arrived["dispatch"] == 1)
    output += recovered(broker, job.pk, FixState.AWAITING_VERIFICATION)

    assert len(github.dispatches) == 1, output[-3000:]
    assert github.dispatches[0]["inputs"]["fix_job"] == str(job.pk)
    effect = job.effects.get()
    assert (effect.state, effect.external_id) == (EffectState.DONE, str(FIX_RUN))
    assert (effect.detail["adopted"], effect.detail["adopted_after_check"]) == ("run", True)
    assert FixJob.objects.count() == 1
    assert "waiting for its pull request from orchestrate/fix-" in job.events.last().reason


@pytest.fixture
def gitlab(db):
    corpus_api("gitlab/gitlab4j/pipeline.json")  # the fake answers with it: skips here, not in the fake
    project = Project.objects.create(full_name="group/app", provider="gitlab")
    give_token(project, "glpat-token-for-tests")
    server = FakeGitLab().start()
    Integration.objects.filter(project=project).update(api_url=server.api_url)
    store.save(project, ROUTED)
    yield server
    server.close()


def test_a_gitlab_fix_pipeline_is_not_started_again_when_the_worker_is_killed_mid_request(gitlab, broker):
    project = Project.objects.get(full_name="group/app")
    red = recent_red_run(project, branch="develop")
    job = fix_jobs.open_job(project.pk, "fixer", f"fixer:{red.provider_run_id}:1", "routed", run=red)
    gitlab.slow = {"dispatch": SLOW_ANSWER}

    output = killed_mid_call(broker, job.pk, lambda: gitlab.arrived["dispatch"] == 1)
    output += recovered(broker, job.pk, FixState.FAILED)

    assert len(gitlab.dispatches) == 1, output[-3000:]
    sent = {variable["key"]: variable["value"] for variable in gitlab.dispatches[0]["variables"]}
    assert (gitlab.dispatches[0]["ref"], sent["fix_job"]) == ("develop", str(job.pk))
    assert "whose runs do not show which fix job they are for, so it is not sent again" in (
        job.events.last().reason
    )


@pytest.fixture
def codegen(octo: Project):
    with FakeCodegen() as server:
        connection = AgentConnection(project=octo, api_url=server.url)
        connection.set_secret(TOKEN)
        connection.save()
        route(octo)
        yield server


def test_a_codegen_run_is_created_once_when_the_worker_is_killed_mid_creation(octo, codegen, broker):
    red = recent_red_run(octo)
    job = fix_jobs.open_job(octo.pk, "coding_agent", f"agent:run:{red.provider_run_id}:1", "routed", run=red)
    codegen.slow = SLOW_ANSWER

    output = killed_mid_call(broker, job.pk, lambda: len(codegen.created) == 1)
    output += recovered(broker, job.pk, FixState.FAILED)

    assert len(codegen.created) == 1, output[-3000:]
    assert "orchestrate-fix-job: " + str(job.pk) in codegen.created[0]["prompt"]
    [agent_run] = AgentRun.objects.filter(fix_job=job)  # the attempt started again, not a second row
    assert agent_run.state == AgentRunState.FAILED
    assert "not sent again" in agent_run.summary
    assert "look at the organisation's agent runs on codegen.com" in job.events.last().reason


@pytest.fixture
def generic_agent(octo: Project):
    with FakeAgent() as server:
        connection = AgentConnection(project=octo, api_url=f"{server.url}/runs")
        connection.set_secret(AGENT_SECRET)
        connection.save()
        store.save(octo, {"agent": {"adapter": "http"}})
        yield server


def test_a_task_is_handed_off_once_when_the_worker_is_killed_mid_hand_off(
    octo, generic_agent, broker, client_for, client
):
    owner = member(octo, "otto", "owner")
    generic_agent.slow = SLOW_ANSWER
    created = client_for(owner, read_only=False).post(
        "/api/v1/tasks/", {"project": octo.pk, **TASK}, format="json"
    )
    assert created.status_code == 201, created.content
    task = Task.objects.get(pk=created.json()["id"])

    output = killed_mid_call(broker, task.fix_job_id, lambda: len(generic_agent.runs) == 1)
    output += recovered(broker, task.fix_job_id, FixState.AWAITING_VERIFICATION)

    key = f"agent:{task.fix_job_id}:1"
    assert generic_agent.runs == {key: "oh-1"}, output[-3000:]  # one run started
    assert [headers["Idempotency-Key"] for headers, _ in generic_agent.received] == [key, key]
    [agent_run] = AgentRun.objects.filter(fix_job=task.fix_job_id)
    assert (agent_run.external_id, agent_run.state) == ("oh-1", AgentRunState.RUNNING)
    assert task.fix_job.effects.get().detail["adopted_after_check"] is True

    ended = callback(client, agent_run, {"id": "oh-1", "status": "completed", "pull_request_url": PULL})
    assert ended.status_code == 200, ended.content
    shown = client_for(owner).get(f"/api/v1/tasks/{task.pk}/").json()
    # its pull request linked, the task awaits that pull request's CI (services/agent_pulls.py)
    assert (shown["state"], shown["pull_request_url"]) == (FixState.AWAITING_VERIFICATION, PULL)
    assert Task.objects.count() == FixJob.objects.count() == 1
