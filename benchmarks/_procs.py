"""The services a load or fault run starts as its own children: a private Redis and a django-q2 cluster.

The machine is shared, so a fault is only ever done to a process this run started: its own
``redis-server`` on a free port (no persistence, so a restart loses what it held, as a crashed Redis
without an append-only file does), and its own ``manage.py qcluster``. Each child is put in a session of
its own and killed by its process group when the run ends, however it ends: ``cleanup_on_signals`` turns
SIGTERM and SIGHUP into ``KeyboardInterrupt`` so that every ``with`` block unwinds and nothing is orphaned.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from _hub import REPO, _children, _free_port, log

START_TIMEOUT = 30.0


# Set once the run is asked to stop: a database driver may turn the KeyboardInterrupt raised inside a
# query into its own error ("interrupted"), which a sampler that survives faults would swallow.
INTERRUPTED = threading.Event()


@contextmanager
def cleanup_on_signals() -> Iterator[None]:
    """Run the block with SIGINT, SIGTERM and SIGHUP raising ``KeyboardInterrupt`` and setting
    ``INTERRUPTED``."""

    def interrupt(signum: int, _frame: object) -> None:
        INTERRUPTED.set()
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_main(main: Callable[[], int]) -> int:
    """A command's ``main`` with SIGTERM and SIGHUP taken as Ctrl-C: its ``with`` blocks stop every child,
    then one line says so and the exit status is 130."""
    with cleanup_on_signals():
        try:
            return main()
        except KeyboardInterrupt:
            log("interrupted: every process this run started has been stopped")
            return 130


def _stop_group(process: subprocess.Popen | None, grace: float = 10.0) -> None:
    """SIGTERM the child's own process group, then SIGKILL what is left after ``grace`` seconds."""
    if process is None:
        return
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the group may outlive its leader: its workers
    process.wait()


def redis_unavailable() -> str | None:
    """Why a private Redis cannot be started here, or None."""
    if shutil.which("redis-server") is None:
        return "redis-server is not on PATH (apt-get install redis-server)"
    try:
        import redis  # noqa: F401
    except ImportError:
        return "the redis package is not installed (pip install -e '.[hub]')"
    return None


class RedisServer:
    """A ``redis-server`` child on a free port that can be stopped, killed and started again."""

    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = workdir / "redis.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        command = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ]
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.ping():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}: see {self.log_path}")
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not answer on port {self.port} within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        _stop_group(self.process)
        self.process = None

    def ping(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def queue_depth(self, cluster_name: str) -> int | None:
        """Tasks waiting in django-q2's list, or None while the server is down."""
        import redis

        try:
            return int(redis.Redis.from_url(self.url, socket_timeout=1).llen(f"django_q:{cluster_name}:q"))
        except redis.RedisError:
            return None

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Cluster:
    """``manage.py qcluster`` as a child: django-q2's sentinel, its pusher, monitor and workers."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.env = env
        self.log_path = workdir / "qcluster.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "qcluster"],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        workers = int(self.env.get("Q_WORKERS", "2"))
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"qcluster exited with {self.process.returncode}: {self.log_tail()}")
            if len(self.processes()) >= workers + 2:  # the pusher and the monitor besides the workers
                return
            time.sleep(0.1)
        raise RuntimeError(f"qcluster did not start its workers within {START_TIMEOUT:.0f} s")

    def stop(self) -> None:
        _stop_group(self.process, grace=20.0)
        self.process = None

    def processes(self) -> list[int]:
        """The sentinel's children (workers, pusher, monitor): the processes that take and run tasks."""
        if self.process is None:
            return []
        return [pid for sentinel in _children(self.process.pid) for pid in _children(sentinel)]

    def kill_busiest(self, window: float = 0.5) -> int | None:
        """SIGKILL the child that used the most CPU over ``window`` seconds, if any used some: a worker in
        the middle of a task, mostly (the pusher and the monitor use little); return its pid."""
        before = {pid: _cpu_ticks(pid) for pid in self.processes()}
        time.sleep(window)
        used = {pid: _cpu_ticks(pid) - ticks for pid, ticks in before.items() if _cpu_ticks(pid) >= 0}
        if not used or max(used.values()) <= 0:
            return None  # nothing is busy: a kill now would hit an idle process
        pid = max(used, key=used.__getitem__)
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
            return pid
        return None

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else "(no log)"

    def state(self) -> str:
        """One line for the report: is the cluster still up, with how many processes, and its last
        complaint (a wedged cluster and a dead one lose work alike, but are fixed differently)."""
        if self.process is None or self.process.poll() is not None:
            return f"qcluster exited ({self.process.returncode if self.process else 'never started'})"
        lines = self.log_tail().splitlines()
        complaints = [line for line in lines if " ERROR " in line or " CRITICAL " in line]
        last = complaints[-1][:200] if complaints else "none"
        return f"qcluster still running at the end, {len(self.processes())} processes; last complaint: {last}"

    def __enter__(self) -> Cluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _cpu_ticks(pid: int) -> int:
    """utime + stime of ``pid`` in clock ticks, or -1 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return -1
    return int(fields[11]) + int(fields[12])
