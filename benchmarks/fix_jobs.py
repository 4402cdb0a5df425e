"""Fix jobs a second with two workers: re-run fix jobs done end to end by a real two-worker cluster.

    .venv/bin/python benchmarks/fix_jobs.py                    # SQLite, 200 jobs (~1 min)
    .venv/bin/python benchmarks/fix_jobs.py --backends sqlite,postgresql --jobs 500

For each backend: a scratch database is migrated and given a GitHub project whose API is a fake GitHub
on loopback (this process: it accepts a re-run and shows the run's next attempt at once), and N
completed red runs, each with a re-run fix job opened as the policy would. A ``qcluster`` with
``Q_WORKERS=2`` then does them all: claim with a guarded update, effect recorded before the call, the
operators' re-run service, the answer recorded, the job moved to awaiting verification, each move on
the timeline. The floor, measured in the same run through the same cluster, is N no-op tasks
(``operator.add``): what the queue itself costs. Both are timed from the first task's start to the last
one's end, as the workers recorded them (the enqueueing is not counted). Printed: jobs/s, the floor's
tasks/s, and the ratio.
This process never imports Django; its subprocesses do (``python benchmarks/fix_jobs.py _setup N URL``).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _hub import REPO, backend_names, hub_environment, log, scratch_backend, skip_note
from _table import render

PROJECT = "bench/fix-jobs"
TIMEOUT = 600.0
# What the workers took: the no-op tasks after the four that showed the cluster was up, and the fix
# jobs from the first claim to the last answer recorded.
NOOP_SPAN = (
    "SELECT min(started), max(stopped) FROM django_q_task WHERE func = 'operator.add'"
    " AND id NOT IN (SELECT id FROM django_q_task ORDER BY started LIMIT 4)"
)
FIX_JOB_SPAN = (
    "SELECT min(at), max(at) FROM response_fixjobevent WHERE to_state IN ('running', 'awaiting_verification')"
)


class FakeGitHub(BaseHTTPRequestHandler):
    """Every re-run request accepted; every run on its second attempt."""

    def do_POST(self) -> None:
        self.answer(201, {})

    def do_GET(self) -> None:
        run_id = self.path.split("/runs/")[1].split("/")[0].split("?")[0]
        when = "2026-01-01T00:00:00Z"
        run = {"id": int(run_id), "run_attempt": 2, "status": "queued", "conclusion": None, "name": "CI"}
        self.answer(200, {**run, "head_sha": "a" * 40, "created_at": when, "updated_at": when})

    def answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


def manage(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )
    return done.stdout


def here(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, __file__, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=TIMEOUT,
    )
    return done.stdout


def span(conn, sql: str) -> float:
    """Seconds between the two timestamps ``sql`` selects (what the workers took, not the enqueueing)."""
    cursor = conn.cursor()
    cursor.execute(sql)
    first, last = (v if isinstance(v, datetime) else datetime.fromisoformat(v) for v in cursor.fetchone())
    conn.commit()
    return (last - first).total_seconds()


def wait_until(count, target: int) -> float:
    """Seconds until ``count()`` reaches ``target``."""
    start = time.perf_counter()
    while count() < target:
        if time.perf_counter() - start > TIMEOUT:
            raise SystemExit(f"only {count()} of {target} done after {TIMEOUT:.0f} s")
        time.sleep(0.05)
    return time.perf_counter() - start


@dataclass(frozen=True)
class Row:
    backend: str
    jobs: int
    jobs_per_s: float
    floor_per_s: float
    effects_not_done: int

    @property
    def ratio(self) -> str:
        return f"{self.jobs_per_s / self.floor_per_s:.2f}"

    @property
    def count(self) -> str:
        return str(self.jobs)

    @property
    def not_done(self) -> str:
        return str(self.effects_not_done)

    @property
    def per_s(self) -> str:
        return f"{self.jobs_per_s:.1f}"

    @property
    def floor(self) -> str:
        return f"{self.floor_per_s:.1f}"


def measure(backend_name: str, jobs: int, github_url: str) -> Row:
    with (
        tempfile.TemporaryDirectory(prefix="orchestrate-bench-") as tmp,
        scratch_backend(backend_name, Path(tmp), "orchestrate_bench_fix_jobs") as backend,
    ):
        env = hub_environment(backend, Path(tmp))
        env.update(
            Q_WORKERS="2",
            Q_SAVE_LIMIT="0",
            Q_CLUSTER_NAME="bench-fix-jobs",
            OWED_SWEEP_MINUTES="0",
            FIX_JOB_RESUME_MINUTES="0",
        )
        log(f"{backend_name}: migrating")
        manage(env, "migrate", "-v", "0")
        here(env, "_setup", str(jobs), github_url)
        conn = backend.connect()

        def scalar(sql: str) -> int:
            cursor = conn.cursor()
            cursor.execute(sql)
            value = cursor.fetchone()[0]
            conn.commit()
            return value

        log_file = (Path(tmp) / "cluster.log").open("w")
        cluster = subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=REPO,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            here(env, "_noop", "4")  # the cluster is up once it has done these
            wait_until(lambda: scalar("SELECT count(*) FROM django_q_task WHERE func = 'operator.add'"), 4)
            log(f"{backend_name}: {jobs} no-op tasks")
            here(env, "_noop", str(jobs))
            wait_until(
                lambda: scalar("SELECT count(*) FROM django_q_task WHERE func = 'operator.add'"), jobs + 4
            )
            floor = span(conn, NOOP_SPAN)
            log(f"{backend_name}: {jobs} fix jobs")
            here(env, "_dispatch")
            done = "SELECT count(*) FROM response_fixjob WHERE state = 'awaiting_verification'"
            wait_until(lambda: scalar(done), jobs)
            took = span(conn, FIX_JOB_SPAN)
            failed = scalar("SELECT count(*) FROM response_effect WHERE state <> 'done'")
        finally:
            os.killpg(cluster.pid, signal.SIGKILL)  # a scratch database: nothing to finish cleanly
            cluster.wait(timeout=60)
            conn.close()
            log_file.close()
            if os.environ.get("BENCH_SHOW_CLUSTER"):
                log((Path(tmp) / "cluster.log").read_text()[-3000:])
    return Row(backend_name, jobs, jobs / took, jobs / floor, failed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", type=backend_names, default=["sqlite"])
    parser.add_argument("--jobs", type=int, default=200, help="fix jobs per backend (default 200)")
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGitHub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    rows = []
    for name in args.backends:
        note = skip_note(name)
        if note:
            log(note)
            continue
        rows.append(measure(name, args.jobs, url))
    server.shutdown()
    print(
        render(
            rows,
            [
                ("backend", "backend"),
                ("count", "fix jobs"),
                ("per_s", "jobs/s (2 workers)"),
                ("floor", "no-op tasks/s"),
                ("ratio", "ratio"),
                ("not_done", "effects not done"),
            ],
        )
    )
    return 0 if all(row.effects_not_done == 0 for row in rows) else 1


# --- Commands run inside the hub's environment (Django imported only here) -------------------------


def _setup(jobs: int, github_url: str) -> None:
    """The project (its API at the fake GitHub) and ``jobs`` completed red runs, each with its fix job."""
    from django.db import transaction

    from hub.integrations.models import Integration
    from hub.projects.models import Project
    from hub.response.models import FixJob, FixJobEvent, FixState, Responder
    from hub.runs.models import Run

    project = Project.objects.create(full_name=PROJECT, provider="github")
    integration = Integration(project=project, api_url=github_url)
    integration.set_secret("api_token", "ghp_benchmark")
    integration.save()
    with transaction.atomic():
        runs = Run.objects.bulk_create(
            Run(
                project=project,
                provider="github",
                provider_run_id=str(1000 + n),
                attempt=1,
                status="completed",
                conclusion="failure",
            )
            for n in range(jobs)
        )
        fix_jobs = FixJob.objects.bulk_create(
            FixJob(
                project=project,
                run=run,
                responder=Responder.RERUN,
                key=f"rerun:{run.provider_run_id}:1",
                reason="every failure is known flaky",
            )
            for run in runs
        )
        FixJobEvent.objects.bulk_create(
            FixJobEvent(fix_job=job, to_state=FixState.PENDING, reason=job.reason) for job in fix_jobs
        )


def _noop(count: int) -> None:
    from django_q.tasks import async_task

    for _ in range(count):
        async_task("operator.add", 1, 2)


def _dispatch() -> None:
    from hub.response.models import FixJob
    from hub.response.services.fix_jobs import dispatch

    dispatch(FixJob.objects.values_list("pk", flat=True))


if __name__ == "__main__":
    if sys.argv[1:2] and sys.argv[1].startswith("_"):
        import django

        django.setup()
        command, *rest = sys.argv[1:]
        {
            "_setup": lambda: _setup(int(rest[0]), rest[1]),
            "_noop": lambda: _noop(int(rest[0])),
            "_dispatch": _dispatch,
        }[command]()
        sys.exit(0)
    sys.exit(main())
