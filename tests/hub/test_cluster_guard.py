"""A cluster whose processes are SIGKILLed under it keeps carrying tasks.

django-q2's pusher, monitor and workers share multiprocessing queues whose locks die with whoever holds
them (an idle worker and the monitor each wait holding a queue's read lock); the hub's ``qcluster``
restarts the whole cluster when one of its processes is killed by a signal, instead of replacing only
that process and waiting forever on a lock nobody will release.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from django_q.models import Success

from hub.workers.guard import killed_by_signal
from tests.hub.cluster import REDIS_URL, Cluster, hub_env, manage, require_redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cluster_processes(cluster: Cluster) -> list[int]:
    """The sentinel's children: its workers, its pusher and its monitor."""
    return [pid for sentinel in children(cluster.process.pid) for pid in children(sentinel)]


def wait_for(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def carries_a_task_after_its_processes_are_killed(env: dict) -> tuple[bool, str]:
    cluster = Cluster(env)
    try:
        assert wait_for(lambda: len(cluster_processes(cluster)) >= 3, 30), "the cluster did not start"
        time.sleep(1)  # every process in its loop: the worker and the monitor waiting on their queues
        for pid in cluster_processes(cluster):
            os.kill(pid, signal.SIGKILL)
        enqueue = "from django_q.tasks import async_task; async_task('math.floor', 2.5, task_name='after')"
        manage(env, "shell", "-c", enqueue)
        carried = wait_for(lambda: Success.objects.filter(name="after").exists(), 45)
    finally:
        output = cluster.stop()
    assert "restarting the whole cluster" in output
    assert cluster.process.returncode == 0, f"SIGTERM did not stop the cluster cleanly:\n{output[-3000:]}"
    return carried, output


def test_only_a_process_killed_by_a_signal_restarts_the_cluster():
    assert killed_by_signal(-signal.SIGKILL)
    assert killed_by_signal(-signal.SIGTERM)
    assert not killed_by_signal(0)  # a recycled worker, a stopped pusher
    assert not killed_by_signal(1)  # an exception: the process let go of its locks as it exited
    assert not killed_by_signal(None)  # still running


def test_a_cluster_on_the_orm_broker_carries_tasks_after_its_processes_are_killed():
    carried, output = carries_a_task_after_its_processes_are_killed(hub_env())
    assert carried, f"the cluster ran no task after the kills; its output:\n{output[-3000:]}"


@pytest.mark.redis
def test_a_cluster_on_redis_carries_tasks_after_its_processes_are_killed():
    require_redis()
    carried, output = carries_a_task_after_its_processes_are_killed(hub_env(REDIS_URL=REDIS_URL))
    assert carried, f"the cluster ran no task after the kills; its output:\n{output[-3000:]}"


def test_a_killed_sentinel_ends_qcluster_with_an_error_for_its_supervisor_to_restart():
    cluster = Cluster(hub_env())
    try:
        assert wait_for(lambda: len(cluster_processes(cluster)) >= 3, 30), "the cluster did not start"
        (sentinel,) = children(cluster.process.pid)
        os.kill(sentinel, signal.SIGKILL)
        status = cluster.process.wait(timeout=30)
    finally:
        output = cluster.kill()  # and the sentinel's orphans, which a supervisor's stop would end
    assert status == 1
    assert "qcluster: the cluster ended with status -9; see the log above" in output
