"""A project's results written straight into the hub's tables: the fixture of ``flaky_recompute.py``.

Bulk inserts rather than the ingest API, on purpose: this is a benchmark fixture of 1M-10M results,
which the API would take many minutes to load, and ingest has its own benchmark (``ingest.py``). The rows
are what ingest would have written, counts on runs, jobs and uploads included (the infrastructure guard
reads a job's counts). A NOT NULL column this fixture does not know (another app added it) gets a neutral
value, so the fixture keeps working while the schema grows.

The shape: four jobs a run (the two ``unit`` jobs retry a failed test once, pytest-rerunfailures style,
the failed attempt kept as a non-final row), a fifth of the runs on pull requests, a fifth re-run on the
same commit as a new attempt; 5% of tests flaky (1-30%, log-spread), 1.5% broken from a commit on,
1% broken for 3-10 runs, and about one job in 100 an outage where 85% of the job fails at once. About
1.5% of results fail, concentrated in those tests.

Results are numbered into the project's segments as the loader numbers them
(``hub/runs/services/segments.py``): each upload's rows go into the segment open when it starts
(``results_loaded >> SEGMENT_BITS``) and the project's ``results_loaded`` counts them, so the history
reads walk as many segments as a project of this size would have.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from _hub import REPO, Backend  # the script's dir

JOBS = ("unit-1", "unit-2", "integration", "e2e")
RETRYING_JOBS = frozenset({"unit-1", "unit-2"})
RESULT_COLUMNS = (
    "run_id",
    "job_id",
    "upload_id",
    "segment",
    "test_id",
    "attempt",
    "final",
    "status",
    "duration",
    "message",
    "failure_type",
    "trace",
    "output",
)
RUN_COLUMNS = (
    "id",
    "project_id",
    "provider",
    "provider_run_id",
    "attempt",
    "run_number",
    "workflow",
    "event",
    "branch",
    "base_branch",
    "commit_sha",
    "pull_request",
    "status",
    "created_at",
    "started_at",
)
COUNT_COLUMNS = ("tests", "passed", "failed", "errors", "flaky", "duration")
MINUTES_BETWEEN_RUNS = 20


def segment_bits() -> int:
    """The hub's ``SEGMENT_BITS``, read from its source: this process never imports Django (``_hub.py``),
    and a copy here would drift from the loader's."""
    source = (REPO / "hub" / "runs" / "services" / "segments.py").read_text()
    found = re.search(r"^SEGMENT_BITS = (\d+)", source, re.MULTILINE)
    if found is None:
        raise RuntimeError(
            "no SEGMENT_BITS in hub/runs/services/segments.py: update benchmarks/_flaky_fixture.py"
        )
    return int(found.group(1))


@dataclass(frozen=True)
class Shape:
    tests: int
    runs: int
    label: str


@dataclass
class TestPlan:
    """How one test behaves over the runs: a flake rate, or a span of runs where it is broken."""

    __test__ = False

    flake: float = 0.0
    broken_from: int | None = None
    broken_until: int | None = None

    def broken(self, run: int) -> bool:
        return self.broken_from is not None and self.broken_from <= run < (self.broken_until or 1 << 62)


def plan_tests(shape: Shape, rng: random.Random) -> list[TestPlan]:
    plans = [TestPlan() for _ in range(shape.tests)]
    chosen = rng.sample(range(shape.tests), round(shape.tests * 0.075))
    cut_flaky, cut_broken = round(shape.tests * 0.05), round(shape.tests * 0.065)
    for index in chosen[:cut_flaky]:
        plans[index].flake = math.exp(rng.uniform(math.log(0.01), math.log(0.30)))
    for index in chosen[cut_flaky:cut_broken]:
        plans[index].broken_from = rng.randrange(shape.runs // 2, shape.runs)
    for index in chosen[cut_broken:]:
        start = rng.randrange(shape.runs)
        plans[index].broken_from, plans[index].broken_until = start, start + rng.randint(3, 10)
    return plans


def _columns(conn: Any, backend: Backend, table: str) -> dict[str, tuple[str, bool]]:
    """Each column's type and whether an insert must give it a value (NOT NULL, no default, not the key)."""
    if backend.path:
        rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
        return {
            name: (kind.lower(), bool(nn) and dflt is None and not pk) for _, name, kind, nn, dflt, pk in rows
        }
    rows = conn.execute(
        "SELECT column_name, data_type, is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO' "
        "FROM information_schema.columns WHERE table_name = %s",
        [table],
    ).fetchall()
    return {name: (kind.lower(), required) for name, kind, required in rows}


def _neutral(kind: str, now: Any) -> Any:
    if any(word in kind for word in ("int", "real", "double", "numeric", "decimal", "float")):
        return 0
    if "bool" in kind:
        return False
    if "time" in kind or "date" in kind:
        return now
    return "{}" if "json" in kind else ""


class Fixture:
    """Writes one project's history; ``build()`` returns what it wrote."""

    def __init__(self, backend: Backend, project_id: int, shape: Shape, seed: int) -> None:
        self.backend, self.project_id, self.shape = backend, project_id, shape
        self.rng = random.Random(seed)
        self.plans = plan_tests(shape, self.rng)
        self.now = datetime.now(UTC).replace(microsecond=0)
        self.start = self.now - timedelta(minutes=MINUTES_BETWEEN_RUNS * shape.runs)
        self.conn: Any = None

    def at(self, position: int) -> Any:
        moment = self.start + timedelta(minutes=MINUTES_BETWEEN_RUNS * position)
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.backend.path else moment

    def write(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
        known = _columns(self.conn, self.backend, table)
        unknown = [name for name in columns if name not in known]
        if unknown:
            raise RuntimeError(
                f"{table} has no column {', '.join(unknown)}: update benchmarks/_flaky_fixture.py"
            )
        extra = [
            (n, _neutral(kind, self.at(0)))
            for n, (kind, required) in known.items()
            if required and n not in columns
        ]
        names = ", ".join([*columns, *(name for name, _ in extra)])
        tail = tuple(value for _, value in extra)
        count = 0
        if self.backend.path:
            marks = ", ".join("?" * (len(columns) + len(extra)))
            batch: list[tuple] = []
            for row in rows:
                batch.append(row + tail)
                if len(batch) == 50_000:
                    self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
                    count, batch = count + len(batch), []
            self.conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
            return count + len(batch)
        with self.conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row + tail)
                count += 1
        return count

    def next_id(self, table: str) -> int:
        (last,) = self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()
        return last + 1

    def runs(self) -> list[dict[str, Any]]:
        """Runs in time order: 80% pushes to main, 20% pull-request runs, a fifth re-run on the same SHA."""
        rng, runs, number = self.rng, [], 0
        while len(runs) < self.shape.runs:
            number += 1
            pr = number % 97 + 1 if rng.random() < 0.2 else None
            sha = f"{rng.getrandbits(160):040x}"
            for attempt in range(1, 3 if rng.random() < 0.2 else 2):
                runs.append({"number": number, "attempt": attempt, "sha": sha, "pr": pr})
        return runs[: self.shape.runs]

    def build(self) -> dict[str, int]:
        self.conn = self.backend.connect()
        try:
            if self.backend.path:
                self.conn.execute("BEGIN IMMEDIATE")
            written = self._build()
            if self.backend.path:
                self.conn.execute("COMMIT")
            else:
                self.conn.commit()
                self.conn.autocommit = True
                self.conn.execute("ANALYZE")  # as autovacuum would after a load this size
            return written
        finally:
            self.conn.close()

    def _build(self) -> dict[str, int]:
        shape, pid, at = self.shape, self.project_id, self.at
        test0, run0, job0, upload0 = (
            self.next_id(t) for t in ("runs_test", "runs_run", "runs_job", "runs_upload")
        )
        job_of = [JOBS[index % len(JOBS)] for index in range(shape.tests)]
        self.write(
            "runs_test",
            ("id", "project_id", "key", "suite", "classname", "name", "file", "created_at"),
            (
                (
                    test0 + i,
                    pid,
                    hashlib.blake2b(f"recompute-{i}".encode(), digest_size=16).digest(),
                    job_of[i],
                    f"tests.{job_of[i].split('-')[0]}.test_area{i % 40}.TestThing{i // 40}",
                    f"test_behaviour_{i}",
                    f"tests/test_area{i % 40}.py",
                    at(0),
                )
                for i in range(shape.tests)
            ),
        )
        runs = self.runs()
        self.write(
            "runs_run",
            RUN_COLUMNS,
            (
                (
                    run0 + p,
                    pid,
                    "github",
                    str(8_000_000_000 + r["number"]),
                    r["attempt"],
                    str(r["number"]),
                    "CI",
                )
                + (("pull_request", f"feature/pr-{r['pr']}", "main") if r["pr"] else ("push", "main", ""))
                + (r["sha"], r["pr"], "completed", at(p), at(p))
                for p, r in enumerate(runs)
            ),
        )
        jobs = [(p, n, name) for p in range(len(runs)) for n, name in enumerate(JOBS)]
        self.write(
            "runs_job",
            ("id", "run_id", "name", "status", "created_at"),
            ((job0 + p * len(JOBS) + n, run0 + p, name, "completed", at(p)) for p, n, name in jobs),
        )
        self.write(
            "runs_upload",
            ("id", "project_id", "run_id", "job_id", "content_sha256", "source", "files", "received_at"),
            (
                (
                    upload0 + p * len(JOBS) + n,
                    pid,
                    run0 + p,
                    job0 + p * len(JOBS) + n,
                    f"{p}-{n}",
                    "json",
                    "[]",
                    at(p),
                )
                for p, n, _ in jobs
            ),
        )
        if not self.backend.path:
            self.conn.commit()
        job_counts: dict[int, list[float]] = {}  # job id -> COUNT_COLUMNS
        rows: dict[int, int] = {}  # upload id -> result rows
        mark = "?" if self.backend.path else "%s"
        (loaded,) = self.conn.execute(
            f"SELECT results_loaded FROM projects_project WHERE id = {mark}", [pid]
        ).fetchone()
        results = self.write(
            "runs_testresult",
            RESULT_COLUMNS,
            self._results(runs, (test0, run0, job0, upload0), job_counts, rows, loaded),
        )
        self.conn.execute(
            f"UPDATE projects_project SET results_loaded = {mark} WHERE id = {mark}", [loaded + results, pid]
        )
        assignments = ", ".join(f"{name} = {mark}" for name in COUNT_COLUMNS)
        run_counts: dict[int, list[float]] = {}
        for job_id, counts in job_counts.items():
            run_id = run0 + (job_id - job0) // len(JOBS)
            run_counts[run_id] = [a + b for a, b in zip(run_counts.get(run_id, [0] * 6), counts, strict=True)]
        cursor = self.conn.cursor()
        cursor.executemany(
            f"UPDATE runs_job SET {assignments} WHERE id = {mark}", [(*c, i) for i, c in job_counts.items()]
        )
        cursor.executemany(
            f"UPDATE runs_run SET {assignments} WHERE id = {mark}", [(*c, i) for i, c in run_counts.items()]
        )
        cursor.executemany(
            f"UPDATE runs_upload SET results = {mark} WHERE id = {mark}", [(n, i) for i, n in rows.items()]
        )
        failed = sum(c[2] + c[3] for c in job_counts.values())
        return {"results": results, "failed": failed, "runs": len(runs), "tests": shape.tests}

    def _results(self, runs, first_ids, job_counts, rows, loaded: int) -> Iterator[tuple]:
        """Every result row, run by run and job by job, as ingest writes them, each upload's into the
        segment open when it starts (``loaded`` results before it); fills ``job_counts`` and ``rows``
        (per upload)."""
        rng, plans, tests, bits = self.rng, self.plans, self.shape.tests, segment_bits()
        test0, run0, job0, upload0 = first_ids
        outages = {
            (rng.randrange(len(runs)), rng.randrange(len(JOBS))) for _ in range(max(1, len(runs) // 25))
        }
        for p in range(len(runs)):
            for n, job in enumerate(JOBS):
                job_id, upload_id = job0 + p * len(JOBS) + n, upload0 + p * len(JOBS) + n
                ids = (run0 + p, job_id, upload_id, loaded >> bits)
                counts = [0, 0, 0, 0, 0, 0.0]  # tests, passed, failed, errors, flaky, duration
                outage = (p, n) in outages
                retried = 0  # non-final attempts: rows beyond one per test
                for index in range(n, tests, len(JOBS)):
                    test_id = test0 + index
                    counts[0] += 1
                    counts[5] += 0.2
                    if outage and rng.random() < 0.85:
                        counts[3] += 1
                        yield (
                            *ids,
                            test_id,
                            1,
                            True,
                            "error",
                            0.2,
                            "ConnectionRefusedError: db:5432",
                            "ConnectionRefusedError",
                            "",
                            "",
                        )
                        continue
                    plan = plans[index]
                    failed = plan.broken(p) or (plan.flake > 0 and rng.random() < plan.flake)
                    attempt = 1
                    if failed and job in RETRYING_JOBS and not plan.broken(p):
                        yield (
                            *ids,
                            test_id,
                            1,
                            False,
                            "failed",
                            0.2,
                            "AssertionError: flaky",
                            "AssertionError",
                            "",
                            "",
                        )
                        attempt, failed = 2, rng.random() < plan.flake
                        retried += 1
                        counts[4] += not failed
                    if failed:
                        counts[2] += 1
                        yield (
                            *ids,
                            test_id,
                            attempt,
                            True,
                            "failed",
                            0.2,
                            "AssertionError: expected 200, got 500",
                            "AssertionError",
                            "",
                            "",
                        )
                    else:
                        counts[1] += 1
                        yield (*ids, test_id, attempt, True, "passed", 0.2, "", "", "", "")
                job_counts[job_id] = counts
                rows[upload_id] = int(counts[0]) + retried
                loaded += rows[upload_id]
