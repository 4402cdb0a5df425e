"""What one upload's analysis costs, beside the full rescan it replaces, and how fast one worker drains a
queue of them.

    python benchmarks/analysis.py [--prior 300] [--cases 2000] [--measured 10] [--drain 20]
                                  [--branch main|feature] [--postgres] [--quick]

A scratch database (SQLite in a temporary directory, or with ``--postgres`` a scratch PostgreSQL database
``orchestrate_bench_analysis``, or ``BENCH_DATABASE``, on ``BENCH_POSTGRES_URL``) is migrated by the hub;
a project gets ``--prior`` runs of a ``--cases``-case suite in which every case fails at random 2% of the
time (issue 12's load), each posted through the ingest API (Django's test client) and analysed as the hub
does, so nearly every test has failed once and is under watch. Then, for each of ``--measured`` further
uploads:

* **rescan** (the old path, rebuilt here only): judge every watched test present in the upload plus the
  tests whose earlier failures on the same commit or branch a pass may turn into evidence, found by
  reading the failing results of every run on the branch; run inside a transaction that is rolled back;
* **ours**: the owed work done as a worker does it (``hub.outbox.services.claims.perform``).

Last, ``--drain`` uploads are landed with nothing analysed and one worker (this process) does their owed
work as they would arrive at issue 12's 8.3 uploads/s (``_drain.py``): first one at a time, as before
backlog passes (in a transaction rolled back), then in passes of up to ``--batch``. For each: analyses a
second, CPU seconds per analysis, the oldest wait and the longest upload-to-verdict latency. Target
(issue 12): one worker per 4 clients keeps up, the oldest queued analysis under 60 s, and a verdict
within 60 s of the upload carrying its evidence.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import _drain

REPO = Path(__file__).resolve().parents[1]
ARRIVALS_PER_SECOND = 8.3  # issue 12: 4 clients uploading 2,000-case reports
OLDEST_TARGET = 60.0


def configure(postgres: bool) -> None:
    """Point Django at a scratch database and migrate it (before any hub import)."""
    sys.path.insert(0, str(REPO))
    if postgres:
        import psycopg

        server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        name = os.environ.get("BENCH_DATABASE", "orchestrate_bench_analysis")
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = server.rsplit("/", 1)[0] + "/" + name
    else:
        scratch = tempfile.mkdtemp(prefix="bench-analysis-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/hub.sqlite3"
        os.environ["ORCHESTRATE_VAR_DIR"] = scratch
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ["THROTTLE_UPLOADS"] = "1000000/hour"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


class Suite:
    """A ``cases``-case suite where each case fails with probability ``rate`` in each run."""

    def __init__(self, cases: int, rate: float, branch: str, seed: int = 12) -> None:
        self.cases, self.rate, self.branch = cases, rate, branch
        self.random = random.Random(seed)
        self.runs = 0

    def report(self) -> dict:
        self.runs += 1
        cases = []
        for i in range(self.cases):
            case = {
                "name": f"test_{i}",
                "classname": f"suite.module_{i % 40}",
                "status": "passed",
                "duration": 0.01,
            }
            if self.random.random() < self.rate:
                case.update(
                    status="failed", message=f"AssertionError: assert {self.random.randint(0, 9)} == 1"
                )
            cases.append(case)
        run = {"provider": "github", "run_id": str(self.runs), "attempt": 1, "branch": self.branch}
        return {
            "version": 1,
            "run": {**run, "commit_sha": f"{self.runs:040x}"},
            "job": {"name": "test"},
            "cases": cases,
        }


def land(client, token: str, suite: Suite) -> int:
    response = client.generic(
        "POST",
        "/api/v1/reports",
        json.dumps(suite.report()),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    return response.json()["upload"]


# --- The old path: every watched test present, and the failing results of every run on the branch ----------


def rescan_judged(upload) -> list[int]:
    """The tests the analysis judged before issue 12 (``upload_plan.judged_in_upload`` as it was)."""
    from hub.flaky.detection import DEFAULT_RULES, is_infrastructure
    from hub.flaky.models import TestHealth
    from hub.flaky.services.history import WATCHED, chunks
    from hub.runs.models import TestResult

    job = upload.job
    ids: set[int] = set()
    if not is_infrastructure(job.tests, job.failed, job.errors, DEFAULT_RULES):
        ids.update(
            TestResult.objects.filter(job_id=job.pk, upload_id=upload.pk, status__in=("failed", "error"))
            .values_list("test_id", flat=True)
            .distinct()
        )
    watched = TestHealth.objects.filter(project_id=upload.project_id, state__in=WATCHED)
    for chunk in chunks(list(watched.values_list("test_id", flat=True))):
        ids.update(
            TestResult.objects.filter(job_id=job.pk, upload_id=upload.pk, test_id__in=chunk)
            .values_list("test_id", flat=True)
            .distinct()
        )
    ids.update(rescan_failed_before_here(upload))
    return sorted(ids)


def rescan_failed_before_here(upload) -> set[int]:
    """``history.failed_before_here`` as it was: every failing result of every run on the branch."""
    from django.db.models import Q

    from hub.flaky.services.history import failed_in_scopes, other_branches_since_default
    from hub.runs.models import Job, Run

    run = upload.run
    here = Q(commit_sha=run.commit_sha) if run.commit_sha else Q()
    if run.pull_request:
        here |= Q(pull_request=run.pull_request)
    elif run.branch and run.branch != upload.project.default_branch:
        here |= Q(branch=run.branch, pull_request=None)
    runs = Run.objects.filter(here, project_id=upload.project_id)
    return failed_in_scopes(
        upload, [Q(job__in=Job.objects.filter(run__in=runs)), *other_branches_since_default(upload)]
    )


def rescan(upload_id: int) -> int:
    """The old analysis of one upload, as the task ran it; returns how many tests it judged."""
    from hub.failures.services import analysis, classification
    from hub.flaky.services import detection_run
    from hub.runs.models import Upload

    upload = Upload.objects.select_related("job", "run", "project").get(pk=upload_id)
    analysis.analyse_upload(upload_id)
    judged = rescan_judged(upload)
    detection_run.judge_tests(upload.project, judged)
    classification.classify_upload(upload_id)
    return len(judged)


# --- Measuring ---------------------------------------------------------------------------------------------


def owed_for(upload_id: int) -> int:
    from hub.outbox.models import OwedWork

    return OwedWork.objects.get(subject_id=upload_id, topic="upload.stored").pk


def timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def measure_one(upload_id: int, old_first: bool) -> tuple[float, float, int, int]:
    """(old seconds, new seconds, tests the old path judged, tests ours judged) for one landed upload; the
    old path runs in a transaction rolled back, taking turns with ours at going first."""
    from django.db import transaction

    from hub.flaky.services import upload_plan
    from hub.outbox.services import claims
    from hub.runs.models import Upload

    def old() -> tuple[float, int]:
        with transaction.atomic():
            seconds, judged = timed(rescan, upload_id)
            transaction.set_rollback(True)
        return seconds, judged

    if old_first:
        old_seconds, old_judged = old()
    upload = Upload.objects.select_related("job", "run", "project").get(pk=upload_id)
    new_judged = len(upload_plan.plan_for_upload(upload).judge)
    new_seconds, state = timed(claims.perform, owed_for(upload_id))
    assert state == "done", state
    if not old_first:
        with transaction.atomic():  # what the old path would have found, had it come first
            old_seconds, old_judged = old()
    return old_seconds, new_seconds, old_judged, new_judged


def vacuum(connection) -> None:
    """On PostgreSQL, what autovacuum would have done by now (a development server may run without it)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prior", type=int, default=300, help="runs landed and analysed first")
    parser.add_argument("--cases", type=int, default=2000, help="cases per report")
    parser.add_argument("--measured", type=int, default=10, help="uploads measured old vs new")
    parser.add_argument("--drain", type=int, default=40, help="uploads arriving at one worker")
    parser.add_argument("--batch", type=int, default=20, help="OWED_BATCH_SIZE: uploads a pass takes")
    parser.add_argument("--branch", default="main", help="the runs' branch (main is the default branch)")
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--quick", action="store_true", help="40 prior runs of 500 cases: a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.prior, args.cases, args.measured, args.drain = 40, 500, 3, 10
    configure(args.postgres)

    from django.db import connection, transaction
    from django.test import Client

    from hub.flaky.models import TestHealth
    from hub.flaky.services.history import WATCHED
    from hub.outbox.services import claims
    from hub.projects.models import AgentToken, Project

    project = Project.objects.create(full_name="bench/analysis", provider="github", default_branch="main")
    _, token = AgentToken.issue(project=project, name="bench")
    client = Client()
    suite = Suite(args.cases, 0.02, args.branch)
    started = time.perf_counter()
    for _ in range(args.prior):
        claims.perform(owed_for(land(client, token, suite)))
    built = time.perf_counter() - started
    vacuum(connection)
    watched = TestHealth.objects.filter(project=project, state__in=WATCHED).count()
    print(
        f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.prior} prior runs of {args.cases} cases "
        f"(2% random failures) on {args.branch}, landed and analysed in {built:.0f} s; "
        f"{watched} tests watched"
    )

    rows = [measure_one(land(client, token, suite), old_first=n % 2 == 0) for n in range(args.measured)]
    old = [row[0] for row in rows]
    new = [row[1] for row in rows]
    print(f"\nper-upload analysis, {args.measured} uploads (median, max):")
    for name, seconds, judged in (("rescan (old)", old, 2), ("ours        ", new, 3)):
        tests = statistics.median(row[judged] for row in rows)
        print(f"  {name}: {statistics.median(seconds):.3f} s, {max(seconds):.3f} s; judged {tests:.0f} tests")
    print(f"  old/ours    : {statistics.median(old) / statistics.median(new):.1f}x")

    queued = [land(client, token, suite) for _ in range(args.drain)]
    with transaction.atomic():  # the old way, undone after so that the new one drains the same uploads
        old = _drain.drain(queued, ARRIVALS_PER_SECOND, batch_size=1)
        transaction.set_rollback(True)
    vacuum(connection)  # the rows the rolled-back drain rewrote are dead: not the second drain's to pay for
    new = _drain.drain(queued, ARRIVALS_PER_SECOND, batch_size=args.batch)
    print(
        f"\ndrain: {args.drain} uploads arriving at {ARRIVALS_PER_SECOND}/s (issue 12: 4 clients), 1 worker:"
    )
    print(_drain.line("one at a time       ", old))
    print(_drain.line(f"passes of up to {args.batch:<4}", new))
    kept_up = new.keeps_up(ARRIVALS_PER_SECOND, args.batch)
    met = kept_up and new.oldest_wait < OLDEST_TARGET and new.verdict_latency < OLDEST_TARGET
    print(
        f"  target: keeps up with {ARRIVALS_PER_SECOND}/s ({'yes' if kept_up else 'no'}; one at a time: "
        f"{'yes' if old.keeps_up(ARRIVALS_PER_SECOND, 1) else 'no'}), oldest wait and upload to verdict < "
        f"{OLDEST_TARGET:.0f} s: {'PASS' if met else 'FAIL'}; CPU bound: "
        f"{1 / new.cpu_per_analysis:.1f} analyses/s ({1 / old.cpu_per_analysis:.1f} one at a time)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
