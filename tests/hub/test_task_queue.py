"""A real django-q2 cluster carries a task end to end: on the ORM broker, and on Redis.

The cluster and the enqueuing process are separate ``manage.py`` processes pointed at the test database,
as in production; the test watches the database for the task's effect and its success record.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.runs.models import Run
from tests.hub.cluster import REDIS_URL, Cluster, hub_env, manage, require_redis
from tests.hub.conftest import case, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def old_run(agent) -> Run:
    agent.post_report(report(case("a"), run_id="old"))
    Run.objects.filter(provider_run_id="old").update(created_at=timezone.now() - timedelta(days=400))
    agent.post_report(report(case("a"), run_id="recent"))
    return Run.objects.get(provider_run_id="old")


def carry_task(env) -> None:
    """Enqueue a prune from one process, run a cluster in another, wait for the effect."""
    from django_q.models import Success

    manage(
        env,
        "shell",
        "-c",
        "from django_q.tasks import async_task; async_task('hub.runs.tasks.prune_runs', 365, task_name='t')",
    )
    cluster = Cluster(env)
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not Success.objects.filter(name="t").exists():
            time.sleep(0.3)
    finally:
        output = cluster.stop()
    done = Success.objects.filter(name="t").first()
    assert done is not None, f"the cluster did not run the task; its output:\n{output[-3000:]}"
    assert done.result == 1


def test_a_qcluster_on_the_orm_broker_carries_a_task_end_to_end(agent):
    old_run(agent)
    carry_task(hub_env())
    assert list(Run.objects.values_list("provider_run_id", flat=True)) == ["recent"]


def test_a_qcluster_on_redis_carries_a_task_end_to_end(agent):
    require_redis()
    old_run(agent)
    carry_task(hub_env(REDIS_URL=REDIS_URL))
    assert list(Run.objects.values_list("provider_run_id", flat=True)) == ["recent"]
