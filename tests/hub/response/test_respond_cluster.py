"""Issue 13's "done when", end to end with real workers, on the ORM broker and on Redis.

A test learned flaky from history; a failing pull-request run completed by a signed GitHub webhook; and
then, from the fake GitHub and Slack on loopback (``loopback.py``, over TLS): exactly one re-run request
within a minute, one issue for the flaky test, one Slack message and one pull-request comment. The
cluster is SIGKILLed while GitHub and Slack are still answering the first re-run, issue and message (each
made, none of their answers read), then the webhook is redelivered and sent again and the upload
replayed: a second cluster adopts the re-run and the issue the providers show, does not post the message
again, and makes nothing twice. The re-run's passing attempt is recorded on its fix job; the issue is
updated in place when a person quarantines the test, closed when it is marked fixed, reopened when it
relapses; the comment is edited in place by the re-run's attempt.

The schedules (the owed-work sweep, the fix jobs' resume pass, the issues sweep; every minute in
production) are run by the test as the same functions in the cluster's environment.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from hub.flaky.models import TestHealth
from hub.flaky.services import quarantine
from hub.integrations.models import Integration
from hub.outbox.models import OwedWork, WorkState
from hub.response.models import Effect, EffectState, FixJob, FixState
from hub.response.policy import store
from hub.runs.models import Test
from tests.hub.cluster import REDIS_URL, Cluster, hub_env, manage, require_redis
from tests.hub.conftest import Agent, case, report
from tests.hub.response.conftest import FLAKY, RUN_ID, SHA, completed, post
from tests.hub.response.loopback import FakeServices, self_signed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEASE = 12  # seconds a worker holds an attempt; Q_TIMEOUT below it, as the settings require
SLOW_ANSWER = 20.0  # the first re-run, issue and message are answered this late: the kill lands first
PULL_REQUEST = 7
TICK = (
    "from hub.outbox.services.sweeping import sweep; sweep(); "
    "from hub.response.services.fix_jobs import resume; resume(); "
    "from hub.response.responders.issues import sweep as issues; issues()"
)


@pytest.fixture
def services(octo, octo_agent, tmp_path):
    fake = FakeServices(RUN_ID, certificate=self_signed(tmp_path)).start()
    Integration.objects.filter(project=octo).update(api_url=fake.url)
    yield fake
    fake.close()


@dataclass
class Hub:
    """The cluster's environment, and the schedules run in it."""

    env: dict
    redis: bool

    def tick(self) -> None:
        if self.redis:  # this process enqueued its owed work on its own broker, which no worker reads
            OwedWork.objects.filter(state=WorkState.OWED, attempts=0).update(enqueued_at=None)
        manage(self.env, "shell", "-c", TICK)

    def until(self, condition, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            self.tick()
            time.sleep(0.3)
        return condition()


def analysed() -> bool:
    return not OwedWork.objects.exclude(state=WorkState.DONE).exists()


def job(responder: str, **filters) -> FixJob | None:
    return FixJob.objects.filter(responder=responder, **filters).order_by("pk").first()


def state_of(responder: str, **filters) -> str | None:
    found = job(responder, **filters)
    return found.state if found is not None else None


def pull_request_run(agent: Agent, *cases, attempt: int = 1) -> None:
    doc = report(*cases, run_id=str(RUN_ID), attempt=attempt, sha=SHA, job="build",
                 pull_request=PULL_REQUEST, base_branch="master")  # fmt: skip
    response = agent.post_report(doc)
    assert response.status_code == 201, response.content


def completion(conclusion: str, attempt: int = 1) -> dict:
    payload = completed(conclusion, attempt)  # a fresh copy of the corpus's payload
    payload["workflow_run"]["pull_requests"] = [{"number": PULL_REQUEST, "base": {"ref": "master"}}]
    return payload


def cluster_env(services: FakeServices, **extra) -> dict:
    """Three workers, so the re-run, the issue and the message are all under way when the kill comes;
    the workers trust the fake's certificate."""
    return hub_env(Q_TIMEOUT=str(LEASE - 2), Q_RETRY=str(LEASE), OWED_LEASE_SECONDS=str(LEASE),
                   FIX_JOB_LEASE_SECONDS=str(LEASE), FIX_JOB_BACKOFF_SECONDS="1", Q_WORKERS="3",
                   REQUESTS_CA_BUNDLE=str(services.certificate), **extra)  # fmt: skip


FAILING = [case(FLAKY, "failed", message="AssertionError: timing"), case("test_steady")]


def killed_mid_answer(hub: Hub, agent: Agent, sender, services: FakeServices) -> str:
    """History teaches the hub FLAKY is flaky; the pull request's run fails on it and completes by
    webhook; the cluster is killed once the re-run, the issue and the message have reached GitHub and
    Slack, none answered yet. Returns the cluster's output."""
    output = ""
    first = Cluster(hub.env)
    try:
        post(agent, case(FLAKY, "failed", message="AssertionError: timing"), run_id="77", sha="e" * 40)
        post(agent, case(FLAKY), run_id="77", attempt=2, sha="e" * 40)
        pull_request_run(agent, *FAILING)
        assert hub.until(analysed, 90), "the cluster did not analyse the uploads"
        assert TestHealth.objects.get(test__name=FLAKY).state == "flaky"

        completed_at = time.monotonic()
        sender.github("workflow_run", completion("failure"), delivery="delivery-1")
        requested = hub.until(lambda: services.reruns == 1, 60)
        elapsed = time.monotonic() - completed_at
        in_flight = hub.until(lambda: services.arrived["issue"] == services.arrived["slack"] == 1, 30)
    finally:
        output += first.kill()  # while GitHub and Slack are still answering
    assert requested, f"no re-run request within a minute; the cluster said:\n{output[-4000:]}"
    assert elapsed < 60
    assert in_flight, f"the issue and the message were not under way; {services.arrived}\n{output[-3000:]}"
    # No answer was read. On a loaded machine an attempt can outlive Q_TIMEOUT before the kill and be
    # taken back when its lease ends: the re-run and the issue are then adopted from what GitHub shows,
    # and the message, which Slack cannot be asked about, is refused rather than sent again.
    made = {effect.kind: effect for effect in Effect.objects.exclude(kind="comment")}
    seen = {kind: (effect.state, effect.detail) for kind, effect in made.items()}
    assert set(made) == {"rerun", "issue", "slack"}, seen
    for kind in ("rerun", "issue"):
        assert made[kind].state == EffectState.INTENDED or made[kind].detail.get("adopted_after_check"), seen
    assert made["slack"].state in (EffectState.INTENDED, EffectState.FAILED), seen
    return output


def recovered_whatever_is_replayed(hub: Hub, agent: Agent, sender) -> None:
    """The webhook redelivered and sent again, the upload replayed; the lost workers' jobs taken back
    when their lease runs out: the re-run and the issue adopted, the message not posted again."""
    sender.github("workflow_run", completion("failure"), delivery="delivery-1")  # redelivered
    sender.github("workflow_run", completion("failure"), delivery="delivery-2")  # sent again
    pull_request_run(agent, *FAILING)  # the upload replayed
    recovered = hub.until(
        lambda: (
            state_of("rerun") == FixState.AWAITING_VERIFICATION
            and state_of("issues") == FixState.SUCCEEDED
            and state_of("notify") == FixState.FAILED
        ),
        LEASE + 60,
    )
    assert recovered, f"{list(FixJob.objects.values_list('responder', 'state', 'last_error'))}"
    assert hub.until(analysed, 60)


def the_re_run_passes(hub: Hub, agent: Agent, sender, services: FakeServices) -> None:
    pull_request_run(agent, case(FLAKY), case("test_steady"), attempt=2)
    sender.github("workflow_run", completion("success", attempt=2), delivery="delivery-3")
    assert hub.until(
        lambda: (
            state_of("rerun") == FixState.SUCCEEDED
            and state_of("notify", key__endswith=":2") == FixState.SUCCEEDED
        ),
        60,
    ), f"the re-run's outcome was not recorded: {FixJob.objects.values_list('key', 'state')}"
    assert services.comment_writes[-1][0] == "PATCH"  # the passing attempt, in the same comment


def the_issue_follows_the_test(hub: Hub, agent: Agent, services: FakeServices) -> None:
    """Quarantined by a person: updated in place; marked fixed: closed; relapsing: reopened."""
    person = get_user_model().objects.create_user("maintainer")
    flaky = Test.objects.get(name=FLAKY)
    written = len(services.issues.writes)
    quarantine.quarantine(flaky, reason="timing-dependent; fixing it", user=person)
    assert hub.until(lambda: len(services.issues.writes) > written, 60), "the issue was not updated"
    assert "quarantined" in services.issues.one()["body"].lower()

    quarantine.mark_fixed(flaky, reason="the timing is fixed", user=person)
    assert hub.until(lambda: services.issues.one()["state"] == "closed", 60), "not closed when fixed"

    post(agent, case(FLAKY, "failed", message="AssertionError: timing"), run_id="88", sha="f" * 40)
    post(agent, case(FLAKY), run_id="88", attempt=2, sha="f" * 40)
    assert hub.until(lambda: services.issues.one()["state"] == "open", 90), "not reopened on relapse"


def the_whole_loop(hub: Hub, octo, agent: Agent, sender, services: FakeServices) -> None:
    notify = {"slack_webhook_url": services.slack_url, "pull_request_comment": True}
    store.save(octo, {"issues": {"flaky": True}, "notify": notify})
    services.slow = {"rerun": SLOW_ANSWER, "issue": SLOW_ANSWER, "slack": SLOW_ANSWER}

    output = killed_mid_answer(hub, agent, sender, services)
    second = Cluster(hub.env | {"Q_WORKERS": "2"})
    try:
        recovered_whatever_is_replayed(hub, agent, sender)
        the_re_run_passes(hub, agent, sender, services)
        the_issue_follows_the_test(hub, agent, services)
    finally:
        output += second.stop()

    assert services.reruns == 1, output[-3000:]
    rerun = job("rerun")
    assert rerun.effects.get().detail.get("adopted_after_check") is True
    assert rerun.events.last().reason == "attempt 2 passed: the failures were flaky"

    assert Effect.objects.get(kind="issue").detail.get("adopted_after_check") is True  # found by marker
    assert [method for method, _ in services.issues.writes].count("POST") == 1
    assert {number for _, number in services.issues.writes} == {1}

    assert len(services.slack) == 1
    assert "may have sent it" in job("notify").events.last().reason

    assert [method for method, _ in services.comment_writes].count("POST") == 1
    assert len(services.comments) == 1
    assert {comment_id for _, comment_id in services.comment_writes} == set(services.comments)


def test_the_whole_loop_on_the_orm_broker_with_a_worker_killed_mid_answer(octo, octo_agent, sender, services):
    # On the queue this process's posts enqueue their owed work on.
    env = cluster_env(services, Q_CLUSTER_NAME=settings.Q_CLUSTER["name"])
    the_whole_loop(Hub(env, redis=False), octo, octo_agent, sender, services)


@pytest.mark.redis
def test_the_whole_loop_on_redis_with_a_worker_killed_mid_answer(octo, octo_agent, sender, services):
    require_redis()
    env = cluster_env(services, REDIS_URL=REDIS_URL)
    the_whole_loop(Hub(env, redis=True), octo, octo_agent, sender, services)
