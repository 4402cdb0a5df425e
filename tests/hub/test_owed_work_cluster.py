"""A real cluster SIGKILLed mid-analysis loses nothing and repeats nothing: on the ORM broker (which
re-delivers a killed task after Q_RETRY) and on Redis (which forgets what its workers had popped), the
sweep puts back what no worker finished and the work is done once.

Uploads are landed by the test, their analyses enqueued from another process (on the broker under
test), and a one-worker cluster is killed with all its processes as soon as it has claimed one. A second
cluster and the sweep (run every second here, every minute in production) then finish the rest.
"""

from __future__ import annotations

import time

import pytest
from django.db.models import Sum
from django_q.models import OrmQ

from hub.failures.models import Failure, FailureCluster
from hub.flaky.models import StateChange
from hub.outbox.models import OwedWork, WorkState
from tests.hub.cluster import REDIS_URL, Cluster, hub_env, manage, require_redis
from tests.hub.conftest import case, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

UPLOADS = 4
FAILING = 600  # enough that an analysis takes a moment: the kill lands mid-task
LEASE = 16  # seconds; Q_TIMEOUT below it, as the settings require


def land_uploads(agent) -> None:
    for n in range(UPLOADS):
        cases = [case(f"test_{i}", "failed", message=f"assert {i} == {n}") for i in range(FAILING)]
        response = agent.post_report(report(*cases, case("test_ok"), run_id=f"run-{n}", sha=f"{n:040x}"))
        assert response.status_code == 201, response.content
    OrmQ.objects.all().delete()  # the test process's own broker: the queue under test is the cluster's


def wait_for(condition, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def in_hand() -> bool:
    return OwedWork.objects.filter(state=WorkState.OWED, attempts__gte=1).exists()


def all_done() -> bool:
    return not OwedWork.objects.exclude(state=WorkState.DONE).exists()


def kill_mid_task_and_recover(env) -> str:
    ids = list(OwedWork.objects.values_list("pk", flat=True))
    manage(env, "shell", "-c", f"from hub.outbox.services.announce import enqueue; enqueue({ids})")
    first = Cluster(env)
    try:
        assert wait_for(in_hand, 60), "the cluster claimed no work"
    finally:
        output = first.kill()
    assert not all_done(), f"the kill came after the work; the cluster said:\n{output[-2000:]}"
    second = Cluster(env)
    try:
        sweep = "from hub.outbox.services.sweeping import sweep; sweep()"
        deadline = time.monotonic() + LEASE + 60
        while time.monotonic() < deadline and not all_done():
            manage(env, "shell", "-c", sweep)
            time.sleep(1)
    finally:
        output += second.stop()
    return output


def assert_done_once() -> None:
    assert list(OwedWork.objects.values_list("state", flat=True)) == [WorkState.DONE] * UPLOADS
    assert OwedWork.objects.filter(attempts__gte=2).exists()  # the killed attempt, then the one that did it
    assert Failure.objects.count() == UPLOADS * FAILING
    assert FailureCluster.objects.aggregate(n=Sum("occurrences"))["n"] == UPLOADS * FAILING
    changes = list(StateChange.objects.values_list("test_id", "from_state", "to_state"))
    assert len(changes) == len(set(changes))


def cluster_env(**extra) -> dict:
    return hub_env(Q_TIMEOUT=str(LEASE - 2), Q_RETRY=str(LEASE), OWED_LEASE_SECONDS=str(LEASE), **extra)


def test_a_killed_cluster_on_the_orm_broker_loses_no_analysis_and_repeats_none(agent):
    land_uploads(agent)
    output = kill_mid_task_and_recover(cluster_env())
    assert all_done(), f"owed work left unfinished; the clusters said:\n{output[-3000:]}"
    assert_done_once()


@pytest.mark.redis
def test_a_killed_cluster_on_redis_loses_no_analysis_and_repeats_none(agent):
    require_redis()
    land_uploads(agent)
    output = kill_mid_task_and_recover(cluster_env(REDIS_URL=REDIS_URL))
    assert all_done(), f"owed work left unfinished; the clusters said:\n{output[-3000:]}"
    assert_done_once()
