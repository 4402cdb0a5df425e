"""End to end with a real worker: a test learned flaky from history, a failing run completed by a signed
GitHub webhook, and exactly one re-run request at a fake GitHub within a minute; none more when the
worker is killed while GitHub answers, the webhook is redelivered or the upload replayed; the re-run's
outcome recorded on the fix job.

GitHub is a small HTTP server on loopback in this process (``loopback.py``: the worker is another
process, so ``responses`` cannot reach it), answering with the corpus's published examples. The
cluster runs on the ORM broker in the test database, on the queue where this process's posts enqueue
their owed work.
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings

from hub.flaky.models import TestHealth
from hub.integrations.models import Integration
from hub.outbox.models import OwedWork, WorkState
from hub.response.models import EffectState, FixJob, FixState
from tests.hub.cluster import Cluster, hub_env, resume_until
from tests.hub.conftest import case
from tests.hub.response.conftest import FLAKY, RUN_ID, completed, post
from tests.hub.response.loopback import FakeServices
from tests.hub.test_owed_work_cluster import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

LEASE = 6  # seconds a worker holds an attempt; Q_TIMEOUT below it, as the settings require
SLOW_ANSWER = 8.0  # GitHub takes this long to answer the first re-run request: the worker is killed meanwhile


@pytest.fixture
def github(octo, octo_agent):
    server = FakeServices(RUN_ID).start()
    server.slow = {"rerun": SLOW_ANSWER}
    Integration.objects.filter(project=octo).update(api_url=server.url)
    yield server
    server.close()


def analysed() -> bool:
    return not OwedWork.objects.exclude(state=WorkState.DONE).exists()


def state_of_things() -> str:
    from hub.runs.models import Run

    events = list(FixJob.objects.get().events.values_list("to_state", "reason"))
    runs = list(Run.objects.values_list("provider_run_id", "attempt", "status", "conclusion"))
    owed = list(OwedWork.objects.values_list("topic", "subject_id", "state", "last_error"))
    return f"events {events}; runs {runs}; owed {owed}"


def job_state() -> str | None:
    return FixJob.objects.values_list("state", flat=True).first()


def test_a_flaky_failure_completed_by_webhook_is_re_run_once_whatever_is_replayed_or_killed(
    octo_agent, sender, github
):
    env = hub_env(Q_TIMEOUT=str(LEASE - 2), Q_RETRY=str(LEASE), OWED_LEASE_SECONDS=str(LEASE),
                  FIX_JOB_LEASE_SECONDS=str(LEASE), FIX_JOB_BACKOFF_SECONDS="1")  # fmt: skip
    env["Q_CLUSTER_NAME"] = settings.Q_CLUSTER["name"]  # the queue this process's posts enqueue on
    first = Cluster(env)
    output = ""
    try:
        post(octo_agent, case(FLAKY, "failed", message="AssertionError: timing"), run_id="77", sha="e" * 40)
        post(octo_agent, case(FLAKY), run_id="77", attempt=2, sha="e" * 40)
        failing = [case(FLAKY, "failed", message="AssertionError: timing"), case("test_steady")]
        post(octo_agent, *failing)
        assert wait_for(analysed, 90), "the cluster did not analyse the uploads"
        assert TestHealth.objects.get(test__name=FLAKY).state == "flaky"

        completed_at = time.monotonic()
        sender.github("workflow_run", completed("failure"), delivery="delivery-1")
        requested = wait_for(lambda: github.reruns == 1, 60)
        elapsed = time.monotonic() - completed_at
    finally:
        output += first.kill()  # while GitHub is still answering the first request
    assert requested, f"no re-run request within a minute; the cluster said:\n{output[-4000:]}"
    assert elapsed < 60
    assert job_state() == FixState.RUNNING
    assert FixJob.objects.get().effects.get().state == EffectState.INTENDED

    second = Cluster(env)
    try:
        sender.github("workflow_run", completed("failure"), delivery="delivery-1")  # redelivered
        sender.github("workflow_run", completed("failure"), delivery="delivery-2")  # sent again
        post(octo_agent, *failing)  # the upload replayed
        waiting = FixState.AWAITING_VERIFICATION
        assert resume_until(env, lambda: job_state() == waiting, LEASE + 60), output[-3000:]
        assert wait_for(analysed, 60)

        post(octo_agent, case(FLAKY), case("test_steady"), attempt=2)  # the re-run passes
        sender.github("workflow_run", completed("success", attempt=2), delivery="delivery-3")
        settled = wait_for(lambda: job_state() == FixState.SUCCEEDED, 60)
    finally:
        output += second.stop()
    assert settled, f"the re-run's outcome was not recorded; {state_of_things()}\n{output[-5000:]}"

    assert github.reruns == 1, output[-3000:]
    job = FixJob.objects.get()
    assert job.effects.get().detail.get("adopted_after_check") is True
    assert job.events.last().reason == "attempt 2 passed: the failures were flaky"
