"""Real django-q2 clusters for tests: separate ``manage.py`` processes pointed at the test database, as in
production, on the ORM broker or on Redis, started and stopped (or killed outright) by the test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
# A queue's keys are named after its cluster (unique per test), so tests on one Redis database never meet.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


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


def require_redis() -> None:
    if not redis_available():
        if os.environ.get("CI"):
            pytest.fail("Redis is not reachable on 127.0.0.1:6379; .ci/run should have started it")
        pytest.skip("Redis is not running on 127.0.0.1:6379")


def hub_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        {"DATABASE_URL": database_url(), "Q_CLUSTER_NAME": f"test-{uuid.uuid4().hex[:8]}", "Q_WORKERS": "1"}
        | extra
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


RESUME = "from hub.response.services.fix_jobs import resume; resume()"


def resume_until(env: dict, condition: Callable[[], bool], seconds: float) -> bool:
    """Run the fix jobs' resume pass (every minute in production) in the cluster's environment, so on its
    broker, until ``condition`` holds."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        manage(env, "shell", "-c", RESUME)
        time.sleep(0.5)
    return condition()


class Cluster:
    """``manage.py qcluster`` in a session of its own, so that killing it kills every worker with it."""

    def __init__(self, env: dict) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def stop(self) -> str:
        """SIGTERM, as an orderly shutdown; returns the cluster's output."""
        self.process.send_signal(signal.SIGTERM)
        try:
            output, _ = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            return self.kill()
        return output

    def kill(self) -> str:
        """SIGKILL to the cluster and all its workers at once: nothing gets to clean up."""
        with contextlib.suppress(ProcessLookupError):  # it may have died already
            os.killpg(self.process.pid, signal.SIGKILL)
        output, _ = self.process.communicate()
        return output
