"""A throwaway hub for benchmarks: a scratch database, migrations, a project with tokens, and gunicorn.

The benchmark process never imports Django: it talks to the hub over HTTP like an agent would, and to
the database with a plain DB-API connection when it needs a floor or a row count. Everything that needs
Django (creating the project and tokens, timing read queries in-process when their routes are not
mounted) runs in a subprocess through this module's own command line::

    python benchmarks/_hub.py setup OWNER/NAME           # prints {"agent_token": ..., "api_token": ...}
    python benchmarks/_hub.py orm-reads OWNER/NAME TEST_ID N   # prints {"runs": [s, ...], "history": [...]}

with the same environment (``DATABASE_URL`` and friends) the hub runs with.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from agent.model import RunContext

REPO = Path(__file__).resolve().parents[1]
POSTGRES_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
POSTGRES_DATABASE = "orchestrate_bench"
START_TIMEOUT = 60.0
REQUEST_TIMEOUT = 900.0  # a 500k-case report on a slow backend must not be cut short by the client
USER = "bench"


def push_context(project: str, run_id: str, number: int, job_id: str) -> RunContext:
    """A report's context for a new run: a push to ``main`` of ``project``, a random commit, job ``tests``."""
    return RunContext(
        provider="github",
        repository=project,
        run_id=run_id,
        run_number=str(number),
        workflow="CI",
        event="push",
        branch="main",
        commit_sha=secrets.token_hex(20),
        job_name="tests",
        job_id=job_id,
    )


@dataclass(frozen=True)
class Backend:
    """A fresh, empty database the hub will migrate: SQLite in a scratch file, or a scratch PostgreSQL db."""

    name: str
    url: str
    path: Path | None = None  # the SQLite file

    def connect(self) -> Any:
        """A plain DB-API connection for floors and counts (autocommit off; the caller commits)."""
        if self.path is not None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=60)
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA synchronous=NORMAL")
            return conn
        import psycopg

        return psycopg.connect(self.url)


BACKENDS = ("sqlite", "postgresql")


def backend_names(text: str) -> list[str]:
    """``--backends`` of every benchmark: comma-separated names among ``BACKENDS``."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(BACKENDS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown backend(s) {', '.join(unknown)}: use {', '.join(BACKENDS)}"
        )
    return names


def skip_note(name: str) -> str | None:
    """Why backend ``name`` cannot run on this machine, as the line a benchmark prints and logs, or None."""
    reason = postgres_unavailable() if name == "postgresql" else None
    return f"{name} skipped: {reason}" if reason else None


def log(message: str) -> None:
    """Progress goes to stderr, so that stdout holds only the figures."""
    print(message, file=sys.stderr, flush=True)


def postgres_unavailable(server_url: str = POSTGRES_SERVER) -> str | None:
    """Why the PostgreSQL server cannot be used, or None when it can."""
    try:
        import psycopg
    except ImportError:
        return "psycopg is not installed (pip install -e '.[hub]')"
    try:
        with psycopg.connect(server_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"cannot connect to {server_url}: {str(exc).strip().splitlines()[0]}"
    return None


@contextmanager
def scratch_backend(
    name: str, workdir: Path, database: str = POSTGRES_DATABASE, keep: bool = False
) -> Iterator[Backend]:
    """Create an empty database for ``name`` (sqlite or postgresql) and remove it afterwards. With ``keep``
    an existing one is reused and left in place (SQLite's file lives in ``workdir``), so a benchmark that
    lands a large history once can measure it again after a change."""
    if name == "sqlite":
        path = workdir / "hub.sqlite3"
        yield Backend("sqlite", f"sqlite:///{path}", path)
        return
    if name != "postgresql":
        raise ValueError(f"unknown backend {name!r}: use sqlite or postgresql")
    import psycopg

    parts = urlsplit(POSTGRES_SERVER)
    url = urlunsplit(parts._replace(path=f"/{database}"))
    with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if found and not keep:
            conn.execute(f"DROP DATABASE {database} WITH (FORCE)")
        if not (found and keep):
            conn.execute(f"CREATE DATABASE {database}")
    try:
        yield Backend("postgresql", url)
    finally:
        if not keep:
            with psycopg.connect(POSTGRES_SERVER, autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def hub_environment(backend: Backend, workdir: Path) -> dict[str, str]:
    """The hub's settings for a benchmark: production-like (DEBUG off), plain HTTP, throttles out of reach."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="hub.settings",
        DATABASE_URL=backend.url,
        SECRET_KEY=secrets.token_urlsafe(50),
        DEBUG="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="false",
        ORCHESTRATE_VAR_DIR=str(workdir),
        MEDIA_ROOT=str(workdir / "media"),
        STATIC_ROOT=str(workdir / "static"),
        THROTTLE_UPLOADS="1000000/hour",
        THROTTLE_USER="1000000/hour",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) may hold spaces and parentheses: split after its closing one.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def _status_kib(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@dataclass
class Hub:
    """A running hub: its URL, the project it serves and the two tokens the benchmark uses."""

    backend: Backend
    workdir: Path
    workers: int = 2
    project: str = "bench/orchestrate"
    url: str = ""
    agent_token: str = ""
    api_token: str = ""
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None
    overrides: dict[str, str] = field(default_factory=dict)  # settings on top of hub_environment()

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def helper(self, *args: str, script: str = __file__) -> Any:
        """Run one of this module's Django commands (or another ``script``'s) against the hub's database;
        return its JSON."""
        done = subprocess.run(
            [sys.executable, script, *args], cwd=REPO, env=self.env, capture_output=True, text=True
        )
        if done.returncode:
            raise RuntimeError(f"{Path(script).name} {args[0]} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout)

    def start(self) -> None:
        self.env = {**hub_environment(self.backend, self.workdir), **self.overrides}
        self.manage("migrate", "--noinput")
        tokens = self.helper("setup", self.project)
        self.agent_token, self.api_token = tokens["agent_token"], tokens["api_token"]
        self.url = f"http://127.0.0.1:{_free_port()}"
        self.serve()

    def serve(self) -> None:
        """Start gunicorn on the hub's address (again, after ``stop``; a free port the first time) and wait
        until it answers."""
        self.url = self.url or f"http://127.0.0.1:{_free_port()}"
        port = urlsplit(self.url).port
        log = (self.workdir / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "hub.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                str(int(REQUEST_TIMEOUT)),
                "--log-level",
                "warning",
            ],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=log,
        )
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}: {self.log_tail()}")
            try:
                if (
                    requests.get(f"{self.url}/healthz", timeout=2).ok
                    and len(self.worker_pids()) >= self.workers
                ):
                    return
            except (requests.ConnectionError, requests.Timeout):  # a busy machine answers late
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the hub did not answer /healthz within {START_TIMEOUT:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.workdir / "gunicorn.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def fresh_workers(self) -> list[int]:
        """Replace the workers with new ones (gunicorn reloads on SIGHUP) and return their pids, so a
        memory figure starts from a worker that has served nothing yet."""
        old = set(self.worker_pids())
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            pids = self.worker_pids()
            if len(pids) == self.workers and not old & set(pids):
                try:
                    if requests.get(f"{self.url}/healthz", timeout=2).ok:
                        return pids
                except (requests.ConnectionError, requests.Timeout):  # a busy machine answers late
                    pass
            time.sleep(0.05)
        raise RuntimeError(f"gunicorn did not replace its workers within {START_TIMEOUT:.0f} s")

    def worker_pids(self) -> list[int]:
        return _children(self.process.pid) if self.process else []

    def __enter__(self) -> Hub:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class PeakRss:
    """The peak resident memory of the hub's workers over a span of work.

    Linux keeps each process's high-water mark (``VmHWM``) and resets it to the current RSS when "5" is
    written to ``/proc/PID/clear_refs``; that catches a peak that lasts a millisecond. Where the reset is
    not allowed, a thread samples ``VmRSS`` every few milliseconds instead.
    """

    INTERVAL = 0.005

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.idle_kib = {pid: _status_kib(pid, "VmRSS") for pid in pids}
        self.sampled_kib = dict(self.idle_kib)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.method = "VmHWM"
        try:
            for pid in pids:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        except OSError:
            self.method = "VmRSS sampled every 5 ms"
            self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self.INTERVAL):
            for pid in self.pids:
                with suppress(OSError, KeyError):  # the worker may have exited
                    self.sampled_kib[pid] = max(self.sampled_kib[pid], _status_kib(pid, "VmRSS"))

    def __enter__(self) -> PeakRss:
        if self._thread:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread:
            self._stop.set()
            self._thread.join()
        else:
            self.sampled_kib = {pid: _status_kib(pid, "VmHWM") for pid in self.pids}

    def busiest(self) -> tuple[int, int]:
        """(idle KiB, peak KiB) of the worker whose memory rose most: the one that served the request."""
        pid = max(self.pids, key=lambda p: self.sampled_kib[p] - self.idle_kib[p])
        return self.idle_kib[pid], self.sampled_kib[pid]


@contextmanager
def running_hub(
    backend_name: str, *, database: str = POSTGRES_DATABASE, workers: int = 2, **overrides: str
) -> Iterator[Hub]:
    """A scratch database for ``backend_name``, migrated, with a hub of ``workers`` gunicorn workers
    serving it; all gone afterwards. ``overrides`` are hub settings (environment variables) on top of the
    benchmark defaults."""
    with tempfile.TemporaryDirectory(prefix="orchestrate-bench-") as tmp:
        workdir = Path(tmp)
        with (
            scratch_backend(backend_name, workdir, database) as backend,
            Hub(backend, workdir, workers=workers, overrides=overrides) as hub,
        ):
            yield hub


# --- Commands run inside the hub's environment (Django imported only here) -------------------------


def _setup(full_name: str) -> dict[str, str]:
    """A member (not a superuser, so reads go through the tenant join), the project, and both tokens."""
    from django.contrib.auth import get_user_model

    from hub.projects.models import ApiToken
    from hub.projects.services import create_project

    user = get_user_model().objects.create_user(USER, password=None)
    _project, agent_token = create_project(full_name, provider="github", owner=user)
    _token, api_token = ApiToken.issue(user=user, name="benchmark")
    return {"agent_token": agent_token, "api_token": api_token}


def _orm_reads(full_name: str, test_id: int, count: int) -> dict[str, list[float]]:
    """Time what the run list and test history views do: the scoped queryset, one page, serialised.

    Used while their routes are not mounted; the HTTP measurement takes over once they are.
    """
    from django.contrib.auth import get_user_model
    from django.db import reset_queries
    from rest_framework.renderers import JSONRenderer

    from hub.api.serializers import HistoryEntrySerializer, RunSerializer
    from hub.api.viewsets.base import visible
    from hub.runs.models import Run, Test, TestResult

    user = get_user_model().objects.get(username=USER)
    page = 50

    def runs() -> bytes:
        rows = visible(Run.objects.select_related("project"), user).filter(project__full_name=full_name)
        data = RunSerializer(list(rows.order_by("-created_at", "-id")[: page + 1]), many=True).data
        return JSONRenderer().render(data)

    def history() -> bytes:
        test = visible(Test.objects.all(), user).get(pk=test_id)
        rows = TestResult.objects.filter(test=test).select_related("run", "job").order_by("-id")[: page + 1]
        return JSONRenderer().render(HistoryEntrySerializer(list(rows), many=True).data)

    timings: dict[str, list[float]] = {}
    for name, read in (("runs", runs), ("history", history)):
        read()  # warm the connection and the caches, as a running hub would be
        times = []
        for _ in range(count):
            start = time.perf_counter()
            read()
            times.append(time.perf_counter() - start)
            reset_queries()
        timings[name] = times
    return timings


def _main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[:1] == ["setup"] and len(argv) == 2:
        print(json.dumps(_setup(argv[1])))
    elif argv[:1] == ["orm-reads"] and len(argv) == 4:
        print(json.dumps(_orm_reads(argv[1], int(argv[2]), int(argv[3]))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
