"""A real django-q2 cluster carries a task end to end: on the ORM broker, and on Redis.

The cluster and the enqueuing process are separate ``manage.py`` processes pointed at the test database,
as in production; the test watches the database for the task's effect and its success record.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from hub.runs.models import Run
from tests.hub.conftest import case, report

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def database_url() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


def redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


def hub_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        DATABASE_URL=database_url(), Q_CLUSTER_NAME=f"test-{uuid.uuid4().hex[:8]}", Q_WORKERS="1", **extra
    )
    return env


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


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
    cluster = subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not Success.objects.filter(name="t").exists():
            time.sleep(0.3)
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            output, _ = cluster.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            cluster.kill()
            output, _ = cluster.communicate()
    done = Success.objects.filter(name="t").first()
    assert done is not None, f"the cluster did not run the task; its output:\n{output[-3000:]}"
    assert done.result == 1


def test_a_qcluster_on_the_orm_broker_carries_a_task_end_to_end(agent):
    old_run(agent)
    carry_task(hub_env())
    assert list(Run.objects.values_list("provider_run_id", flat=True)) == ["recent"]


def test_a_qcluster_on_redis_carries_a_task_end_to_end(agent):
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379; .ci/run should have started it")
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    old_run(agent)
    carry_task(hub_env(REDIS_URL="redis://127.0.0.1:6379/15"))
    assert list(Run.objects.values_list("provider_run_id", flat=True)) == ["recent"]
