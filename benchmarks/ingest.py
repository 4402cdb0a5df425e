"""How fast the hub ingests reports and answers reads, through its real HTTP API, beside floors.

    python benchmarks/ingest.py [--sizes 10000,100000] [--backends sqlite,postgresql] [--quick]

For each backend the hub runs under gunicorn (two sync workers) against a fresh database (SQLite in WAL
mode, then a scratch PostgreSQL database that is dropped afterwards), and this process posts gzip report
documents to ``POST /api/v1/reports`` with ``requests``, as the agent does. Every post is a new run and
job, so nothing is an idempotent replay; the test identities repeat from post to post, as a CI suite's do.

Figures (each printed beside its target, and beside a floor measured in the same run on the same rows):

* results/s of a 100k-case report; floors: the same rows by raw ``executemany`` into a SQLite table of
  the same shape (same indexes, same foreign keys), and by ``COPY`` into a PostgreSQL table of the same
  shape. The ratio is ours/floor. A second floor writes the same rows the same way into the hub's own
  table, as full as it is by then (~1M rows), commits, and deletes them again.
* time from request to committed answer (client round trip, loopback) of 10k- and 100k-case reports, p50.
* peak RSS of the gunicorn worker that served a 10k, 100k and 500k-case report (``VmHWM``).
* p95 of the run list and of a test's history with 1M results stored, loaded through the API.

``--quick`` runs small sizes as a smoke test (about 30 s); its figures say nothing about the targets.
Reports are built with ``agent.document.iter_document`` from ``agent.model.TestCase`` values; the cases
are compressed once per size and each post prefixes its own header as a separate gzip member (members
concatenate, as the agent's uploader does), so building bodies costs nothing per post.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import re
import secrets
import statistics
import sys
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import requests
from _hub import (  # the script's dir
    REQUEST_TIMEOUT,
    Backend,
    Hub,
    PeakRss,
    backend_names,
    log,
    push_context,
    running_hub,
    skip_note,
)
from _table import render

from agent.document import iter_document
from agent.model import Rerun, RunContext, Status, TestCase

THROUGHPUT_TARGET = {"sqlite": 150_000, "postgresql": 120_000}  # results/s, 100k-case report
LATENCY_TARGET = {10_000: 0.5, 100_000: 3.0}  # seconds, request to committed
MEMORY_TARGET_MIB = 128  # per process, whatever the report size
GROWTH_TOLERANCE_MIB = 2  # "whatever the size": more than this per 100k cases is memory that grows
READ_TARGET = 0.050  # seconds, p95
READ_ROWS = 1_000_000  # results stored when the reads are measured
RESULT_TABLE = "runs_testresult"
FLOOR_TABLE = "bench_floor_result"
RESULT_COLUMNS = ", ".join(
    (
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
)


@dataclass(frozen=True)
class Plan:
    """What one invocation measures. The first latency size gets many posts, the others a few."""

    sizes: tuple[int, ...] = (10_000, 100_000)
    small_posts: int = 15
    large_posts: int = 3
    memory_sizes: tuple[int, ...] = (10_000, 100_000, 500_000)
    stored_results: int = READ_ROWS
    top_up_size: int = 100_000
    read_requests: int = 50
    quick: bool = False


QUICK = Plan(
    sizes=(1_000, 5_000),
    small_posts=3,
    large_posts=2,
    memory_sizes=(1_000, 5_000, 20_000),
    stored_results=20_000,
    top_up_size=5_000,
    read_requests=10,
    quick=True,
)


@dataclass(frozen=True)
class Row:
    backend: str
    figure: str
    target: str
    ours: str
    floor: str = "-"
    ratio: str = "-"
    verdict: str = "-"


def verdict(ok: bool, comparable: bool = True) -> str:
    if not comparable:
        return "n/a"
    return "PASS" if ok else "FAIL"


# --- Realistic reports -----------------------------------------------------------------------------

PACKAGES = (
    "billing",
    "accounts",
    "search",
    "orders",
    "inventory",
    "auth",
    "payments",
    "notifications",
    "reports",
    "shipping",
    "catalog",
    "checkout",
)
NOUNS = (
    "Invoice",
    "Customer",
    "Order",
    "Cart",
    "Token",
    "Session",
    "Price",
    "Refund",
    "Address",
    "Webhook",
    "Report",
    "Shipment",
)
KINDS = ("Service", "Repository", "Controller", "Validator", "Mapper", "Client")
BEHAVIOURS = (
    "creates_totals",
    "rejects_negative_amounts",
    "updates_in_place",
    "deletes_expired_rows",
    "finds_by_reference",
    "retries_on_timeout",
    "parses_unicode_names",
    "renders_empty_pages",
    "rounds_half_even",
    "keeps_duplicates_apart",
)
FAILURES = (
    ("java.lang.AssertionError", "expected:<{a}> but was:<{b}>"),
    ("org.opentest4j.AssertionFailedError", "expected: <{a}> but was: <{b}>"),
    ("java.lang.NullPointerException", 'Cannot invoke "String.length()" because "name" is null'),
    ("java.util.concurrent.TimeoutException", "no response within {a} ms"),
)
TESTS_PER_CLASS = 25


def generate_cases(count: int, seed: int = 7) -> Iterator[TestCase]:
    """``count`` test cases shaped like a JVM suite: ~3.5% failures with traces, some skips and retries.

    The same seed gives the same identities in the same order, so every report of a size reuses the
    tests of the previous one (a CI suite run again) and a smaller report is a prefix of a larger one.
    """
    rng = random.Random(seed)
    for index in range(count):
        cls, method = divmod(index, TESTS_PER_CLASS)
        package = PACKAGES[cls % len(PACKAGES)]
        unit = f"{NOUNS[(cls // 12) % len(NOUNS)]}{KINDS[(cls // 144) % len(KINDS)]}"
        module = f"v{cls // 864}"
        classname = f"com.acme.{package}.{module}.{unit}Test"
        name = f"test_{BEHAVIOURS[method % len(BEHAVIOURS)]}[{method}]"
        fields = {
            "name": name,
            "classname": classname,
            "suite": f"com.acme.{package}",
            "file": f"src/test/java/com/acme/{package}/{module}/{unit}Test.java",
            "duration": round(rng.expovariate(40.0), 4),
        }
        roll = rng.random()
        if roll < 0.03:
            yield TestCase(
                status=Status.FAILED,
                **fields,
                **_failure(rng, package, unit),
                stdout="INFO  starting fixture\nWARN  retrying connection (1/3)\n",
            )
        elif roll < 0.035:
            yield TestCase(status=Status.ERROR, **fields, **_failure(rng, package, unit))
        elif roll < 0.06:
            yield TestCase(status=Status.SKIPPED, message="disabled until ACME-1432 is fixed", **fields)
        elif roll < 0.07:
            failure = _failure(rng, package, unit)
            earlier = Rerun(
                status=Status.FAILED,
                duration=fields["duration"],
                message=failure["message"],
                failure_type=failure["failure_type"],
                trace=failure["trace"][:400],
            )
            yield TestCase(status=Status.PASSED, reruns=(earlier,), **fields)
        else:
            yield TestCase(status=Status.PASSED, **fields)


def _failure(rng: random.Random, package: str, unit: str) -> dict[str, str]:
    failure_type, template = FAILURES[rng.randrange(len(FAILURES))]
    message = template.format(a=rng.randrange(1000), b=rng.randrange(1000))
    frames = "".join(
        f"\tat com.acme.{package}.{unit}.{verb}({unit}.java:{rng.randrange(20, 900)})\n"
        for verb in ("handle", "apply", "load", "invoke", "run")
    )
    return {"message": message, "failure_type": failure_type, "trace": f"{failure_type}: {message}\n{frames}"}


@dataclass(frozen=True)
class Report:
    """The cases of one report size, compressed once; ``body`` puts a fresh header in front."""

    cases: int
    results: int
    json_bytes: int
    cases_gzip: bytes

    @classmethod
    def build(cls, count: int) -> Report:
        results = 0

        def counted() -> Iterator[TestCase]:
            nonlocal results
            for case in generate_cases(count):
                results += 1 + len(case.reruns)
                yield case

        chunks = iter_document(RunContext(), counted())
        next(chunks)  # the placeholder header; each post writes its own
        compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
        parts, size = [], 0
        for chunk in chunks:
            size += len(chunk)
            parts.append(compressor.compress(chunk))
        parts.append(compressor.flush())
        return cls(count, results, size, b"".join(parts))

    def body(self, context: RunContext) -> bytes:
        head = next(iter_document(context, ()))
        return gzip.compress(head, 6) + self.cases_gzip


class Reports:
    """Reports built on first use and kept for the next backend."""

    def __init__(self) -> None:
        self._built: dict[int, Report] = {}
        self._lock = threading.Lock()

    def __getitem__(self, count: int) -> Report:
        with self._lock:
            if count not in self._built:
                self._built[count] = Report.build(count)
            return self._built[count]


# --- Posting ---------------------------------------------------------------------------------------


class BenchError(RuntimeError):
    pass


@dataclass
class Poster:
    """Posts reports to one hub, each as a new run and job, and keeps what the hub answered."""

    hub: Hub
    session: requests.Session
    numbers: Iterator[int] = field(default_factory=lambda: itertools.count(1))  # next() is thread-safe
    posts: int = 0

    def post(self, report: Report, session: requests.Session | None = None) -> tuple[float, dict]:
        number = next(self.numbers)
        self.posts = max(self.posts, number)
        context = push_context(self.hub.project, f"bench-{number}", number, str(number))
        body = report.body(context)
        headers = {
            "Authorization": f"Bearer {self.hub.agent_token}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Idempotency-Key": f"bench-{number}-{secrets.token_hex(8)}",
        }
        start = time.perf_counter()
        response = (session or self.session).post(
            f"{self.hub.url}/api/v1/reports", data=body, headers=headers, timeout=REQUEST_TIMEOUT
        )
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            detail = self.hub.log_tail() if response.status_code >= 500 else response.text[:500]
            raise BenchError(f"POST /api/v1/reports answered {response.status_code}; the hub says:\n{detail}")
        answer = response.json()
        if answer.get("results") != report.results:
            raise BenchError(f"the hub stored {answer.get('results')} results, expected {report.results}")
        return elapsed, answer


# --- Floors ----------------------------------------------------------------------------------------


def _stored_rows(conn, backend: Backend, upload_id: int) -> list[tuple]:
    mark = "?" if backend.path else "%s"
    query = f"SELECT {RESULT_COLUMNS} FROM {RESULT_TABLE} WHERE upload_id = {mark} ORDER BY id"
    return list(conn.execute(query, [upload_id]).fetchall())


def sqlite_floor(backend: Backend, upload_id: int) -> tuple[int, float]:
    """Raw ``executemany`` of an upload's own rows into a copy of the result table (same indexes and
    foreign keys) in the same database file, one transaction; returns (rows, seconds)."""
    conn = backend.connect()
    try:
        rows = _stored_rows(conn, backend, upload_id)
        ddl = conn.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL", [RESULT_TABLE]
        ).fetchall()
        for kind, sql in sorted(ddl, key=lambda item: item[0] != "table"):
            sql = sql.replace(f'"{RESULT_TABLE}"', f'"{FLOOR_TABLE}"')
            if kind == "index":
                sql = re.sub(r'INDEX "([^"]+)"', r'INDEX "floor_\1"', sql, count=1)
            conn.execute(sql)
        marks = ", ".join("?" * len(rows[0]))
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(f"INSERT INTO {FLOOR_TABLE} ({RESULT_COLUMNS}) VALUES ({marks})", rows)
        conn.execute("COMMIT")
        return len(rows), time.perf_counter() - start
    finally:
        conn.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        conn.close()


def postgresql_floor(backend: Backend, upload_id: int) -> tuple[int, float]:
    """``COPY`` of an upload's own rows into a table of the same shape (``LIKE ... INCLUDING ALL`` plus
    the same foreign keys), one transaction; returns (rows, seconds)."""
    conn = backend.connect()
    try:
        rows = _stored_rows(conn, backend, upload_id)
        conn.execute(f"CREATE TABLE {FLOOR_TABLE} (LIKE {RESULT_TABLE} INCLUDING ALL)")
        keys = conn.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [RESULT_TABLE],
        ).fetchall()
        for number, (definition,) in enumerate(keys):
            conn.execute(f"ALTER TABLE {FLOOR_TABLE} ADD CONSTRAINT floor_fk_{number} {definition}")
        conn.commit()
        start = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY {FLOOR_TABLE} ({RESULT_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        conn.commit()
        return len(rows), time.perf_counter() - start
    finally:
        conn.rollback()
        conn.execute(f"DROP TABLE IF EXISTS {FLOOR_TABLE}")
        conn.commit()
        conn.close()


def floor(backend: Backend, upload_id: int) -> tuple[int, float]:
    return (sqlite_floor if backend.path else postgresql_floor)(backend, upload_id)


def filled_floor(backend: Backend, upload_id: int) -> tuple[int, float, int]:
    """The same rows written the same raw way into the hub's own table, as full as it is, committed, then
    deleted again; returns (rows, seconds, rows already there). An empty table flatters the floor: a
    million rows make every index deeper, and the open segment's part of the history index is not empty."""
    conn = backend.connect()
    try:
        rows = _stored_rows(conn, backend, upload_id)
        existing, last_id = conn.execute(f"SELECT count(*), max(id) FROM {RESULT_TABLE}").fetchone()
        conn.commit()
        start = time.perf_counter()
        if backend.path:
            marks = ", ".join("?" * len(rows[0]))
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(f"INSERT INTO {RESULT_TABLE} ({RESULT_COLUMNS}) VALUES ({marks})", rows)
            conn.execute("COMMIT")
        else:
            with (
                conn.cursor() as cursor,
                cursor.copy(f"COPY {RESULT_TABLE} ({RESULT_COLUMNS}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            conn.commit()
        return len(rows), time.perf_counter() - start, existing
    finally:
        if not backend.path:
            conn.rollback()
        mark = "?" if backend.path else "%s"
        conn.execute(f"DELETE FROM {RESULT_TABLE} WHERE id > {mark}", [last_id])
        conn.commit()
        conn.close()


# --- Measurements ----------------------------------------------------------------------------------


def p(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: with 50 samples, p95 is the 48th smallest."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))]


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def rate(n: float) -> str:
    return f"{n / 1000:.0f}k/s" if n >= 10_000 else f"{n:.0f}/s"


def kilo(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def warm_up(poster: Poster, report: Report, workers: int, rounds: int = 3) -> None:
    """Tiny posts, ``workers`` at a time so each sync worker takes one, until every fresh worker has
    imported and compiled what a request needs: the idle figure is then a worker ready to serve."""

    def post_once(_: int) -> None:
        with requests.Session() as session:
            poster.post(report, session)

    with ThreadPoolExecutor(workers) as pool:
        for _ in range(rounds):
            list(pool.map(post_once, range(workers)))


def measure_memory(poster: Poster, reports: Reports, plan: Plan, log) -> list[Row]:
    """Peak RSS of a fresh worker serving each size, largest first (so it is also the cold upload).

    Workers are replaced before each size: a worker keeps what its allocator once took, so a figure
    measured after a bigger report would hide growth.
    """
    rows, peaks = [], []
    hub = poster.hub
    for size in sorted(plan.memory_sizes, reverse=True):
        report = reports[size]
        pids = hub.fresh_workers()
        warm_up(poster, reports[10], len(pids))
        with PeakRss(pids) as watch:
            elapsed, _ = poster.post(report)
        idle, peak = watch.busiest()
        peaks.append((size, peak))
        log(
            f"  memory {kilo(size)} cases: {elapsed:.2f} s, "
            f"worker {mib(idle)} idle -> {mib(peak)} peak ({watch.method})"
        )
        rows.append(
            Row(
                hub.backend.name,
                f"peak RSS of a fresh worker, {kilo(size)}-case report",
                f"< {MEMORY_TARGET_MIB} MiB",
                f"{mib(peak)} (idle {mib(idle)})",
                verdict=verdict(peak < MEMORY_TARGET_MIB * 1024),
            )
        )
        if size == max(plan.memory_sizes):
            rows.append(
                Row(
                    hub.backend.name,
                    f"first upload, {kilo(size)} new tests, results/s",
                    "-",
                    rate(report.results / elapsed),
                )
            )
    (small, low), (large, high) = min(peaks), max(peaks)
    per_100k = (high - low) / ((large - small) / 100_000) if large > small else 0
    rows.append(
        Row(
            hub.backend.name,
            f"peak RSS growth with report size ({kilo(small)} -> {kilo(large)})",
            f"< {GROWTH_TOLERANCE_MIB} MiB/100k",
            f"{per_100k / 1024:+.1f} MiB per 100k cases",
            verdict=verdict(per_100k < GROWTH_TOLERANCE_MIB * 1024, comparable=large - small >= 100_000),
        )
    )
    return rows


def measure_ingest(poster: Poster, reports: Reports, plan: Plan, log) -> list[Row]:
    rows: list[Row] = []
    backend = poster.hub.backend
    largest = max(plan.sizes)
    for size in plan.sizes:
        report = reports[size]
        posts = plan.small_posts if size == plan.sizes[0] else plan.large_posts
        poster.post(report)  # not timed: the first report of a size may create its tests
        times, answers = [], []
        for _ in range(posts):
            elapsed, answer = poster.post(report)
            times.append(elapsed)
            answers.append(answer)
        median = statistics.median(times)
        log(
            f"  {posts} posts of {kilo(size)} cases ({report.results} results): "
            f"p50 {median:.3f} s, min {min(times):.3f}, max {max(times):.3f}"
        )
        target = LATENCY_TARGET.get(size)
        rows.append(
            Row(
                backend.name,
                f"{kilo(size)}-case report, request to committed, p50 of {posts}",
                f"<= {target} s" if target else "-",
                f"{median:.3f} s",
                verdict=verdict(median <= target) if target else "-",
            )
        )
        if size == largest:
            rows.extend(throughput_rows(backend, report, median, answers[-1]["upload"], log))
    return rows


def throughput_rows(backend: Backend, report: Report, seconds: float, upload_id: int, log) -> list[Row]:
    ours = report.results / seconds
    floor_rows, floor_seconds = floor(backend, upload_id)
    floor_rate = floor_rows / floor_seconds
    how = "executemany" if backend.path else "COPY"
    log(f"  floor: {how} of the same {floor_rows} rows into a same-shape table: {floor_seconds:.3f} s")
    target = THROUGHPUT_TARGET[backend.name]
    comparable = report.cases >= 100_000
    filled_rows, filled_seconds, existing = filled_floor(backend, upload_id)
    filled_rate = filled_rows / filled_seconds
    log(f"  floor: {how} of the same rows into the hub's own table ({existing} rows): {filled_seconds:.3f} s")
    return [
        Row(
            backend.name,
            f"ingest of a {kilo(report.cases)}-case report, results/s (floor: {how}, empty table)",
            f">= {rate(target)}",
            rate(ours),
            rate(floor_rate),
            f"{ours / floor_rate:.2f}",
            verdict(ours >= target, comparable),
        ),
        Row(
            backend.name,
            f"  same, floor: {how} into the hub's own table ({kilo(existing // 1000 * 1000)} rows)",
            "-",
            rate(ours),
            rate(filled_rate),
            f"{ours / filled_rate:.2f}",
        ),
    ]


def stored_results(backend: Backend) -> int:
    conn = backend.connect()
    try:
        return conn.execute(f"SELECT count(*) FROM {RESULT_TABLE}").fetchone()[0]
    finally:
        conn.close()


def history_test(backend: Backend) -> tuple[int, int]:
    """The test of the first case of every report, present in every run; with its result count."""
    conn = backend.connect()
    mark = "?" if backend.path else "%s"
    try:
        (test_id,) = conn.execute(f"SELECT test_id FROM {RESULT_TABLE} ORDER BY id LIMIT 1").fetchone()
        (count,) = conn.execute(
            f"SELECT count(*) FROM {RESULT_TABLE} WHERE test_id = {mark}", [test_id]
        ).fetchone()
        return test_id, count
    finally:
        conn.close()


def measure_reads(poster: Poster, reports: Reports, plan: Plan, log) -> list[Row]:
    hub, backend = poster.hub, poster.hub.backend
    stored = stored_results(backend)
    while stored < plan.stored_results:
        poster.post(reports[plan.top_up_size])
        stored = stored_results(backend)
    test_id, history_rows = history_test(backend)
    log(
        f"  reads with {stored} results stored (loaded through the API) in {poster.posts} runs; "
        f"history of test {test_id} ({history_rows} results)"
    )
    paths = {"runs": f"/api/v1/runs/?project={hub.project}", "history": f"/api/v1/tests/{test_id}/history/"}
    headers = {"Authorization": f"Bearer {hub.api_token}"}
    probe = {
        name: poster.session.get(hub.url + path, headers=headers, timeout=60) for name, path in paths.items()
    }
    for name, response in probe.items():
        if response.status_code not in (200, 404):
            raise BenchError(f"GET {paths[name]} answered {response.status_code}: {response.text[:300]}")
    if all(r.status_code == 200 for r in probe.values()):
        how = "HTTP"
        timings = {}
        for name, path in paths.items():
            times = []
            for _ in range(plan.read_requests):
                start = time.perf_counter()
                response = poster.session.get(hub.url + path, headers=headers, timeout=60)
                times.append(time.perf_counter() - start)
                response.raise_for_status()
            timings[name] = times
    else:
        how = "in-process ORM + serializer (route not mounted)"
        timings = hub.helper("orm-reads", hub.project, str(test_id), str(plan.read_requests))
    comparable = stored >= READ_ROWS
    rows = []
    for name, label in (
        ("runs", "GET /api/v1/runs/?project=..."),
        ("history", "GET /api/v1/tests/{id}/history/"),
    ):
        p95 = p(timings[name], 95)
        log(
            f"  {label} [{how}]: p50 {statistics.median(timings[name]) * 1000:.1f} ms, "
            f"p95 {p95 * 1000:.1f} ms"
        )
        rows.append(
            Row(
                backend.name,
                f"{label} p95 of {plan.read_requests}, {kilo(stored)} results ({how})",
                f"<= {READ_TARGET * 1000:.0f} ms",
                f"{p95 * 1000:.1f} ms",
                verdict=verdict(p95 <= READ_TARGET, comparable),
            )
        )
    return rows


def load_average() -> str:
    """The machine's 1-minute load: figures taken on a busy 2-core machine are not comparable."""
    return f"{os.getloadavg()[0]:.1f}"


def closing_line(started: float) -> str:
    """How long the benchmark took since ``started`` (``time.monotonic``), and how busy the machine was."""
    busy = os.getloadavg()[0] > (os.cpu_count() or 1)
    return (
        f"total {time.monotonic() - started:.0f} s on {os.cpu_count()} CPUs; 1-minute load at the end: "
        f"{load_average()}" + (" (other work was competing, the figures are pessimistic)" if busy else "")
    )


def bench_backend(name: str, reports: Reports, plan: Plan, log) -> list[Row]:
    started = time.monotonic()
    with running_hub(name) as hub, requests.Session() as session:
        log(f"{name}: hub at {hub.url}, workers {hub.worker_pids()}, load average {load_average()}")
        poster = Poster(hub, session)
        rows = measure_memory(poster, reports, plan, log)
        rows += measure_ingest(poster, reports, plan, log)
        rows += measure_reads(poster, reports, plan, log)
    log(f"{name}: done in {time.monotonic() - started:.0f} s, load average {load_average()}")
    return rows


# --- Output ----------------------------------------------------------------------------------------

COLUMNS = (
    ("backend", "backend"),
    ("figure", "figure"),
    ("target", "target"),
    ("ours", "ours"),
    ("floor", "floor"),
    ("ratio", "ours/floor"),
    ("verdict", "result"),
)


def table(rows: Sequence[Row]) -> str:
    return render(rows, COLUMNS)


def parse_sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of case counts") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive case counts")
    return sizes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/ingest.py")
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        help="report sizes (cases) timed request to committed; "
        "the first gets ~15 posts, the others 3, the largest gives results/s "
        "(default 10000,100000; --quick 1000,5000)",
    )
    parser.add_argument(
        "--memory-sizes",
        type=parse_sizes,
        help="report sizes for the worker's peak RSS (default 10000,100000,500000)",
    )
    parser.add_argument(
        "--backends",
        type=backend_names,
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql (skipped with a message when unreachable)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test of about 30 s")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = QUICK if args.quick else Plan()
    if args.sizes:
        plan = Plan(**{**asdict(plan), "sizes": args.sizes})
    if args.memory_sizes:
        plan = Plan(**{**asdict(plan), "memory_sizes": args.memory_sizes})
    backends = args.backends
    started = time.monotonic()
    reports = Reports()
    sizes = sorted({*plan.sizes, *plan.memory_sizes, plan.top_up_size})
    for size in sizes:
        report = reports[size]
        log(
            f"report of {kilo(size)} cases: {report.results} results, {report.json_bytes / size:.0f} B/case "
            f"as JSON, {len(report.cases_gzip) / 1e6:.1f} MB gzip"
        )
    rows: list[Row] = []
    skipped = []
    for name in backends:
        if note := skip_note(name):
            skipped.append(note)
            log(note)
            continue
        try:
            rows += bench_backend(name, reports, plan, log)
        except BenchError as exc:
            log(f"{name}: {exc}")
            return 2
    title = "Hub ingest and read benchmark" + (
        " (--quick: smoke sizes; verdicts n/a or indicative)" if plan.quick else ""
    )
    print(f"\n{title}\n\n{table(rows)}\n")
    for note in skipped:
        print(note)
    print(closing_line(started))
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
    return 1 if args.strict and any(row.verdict == "FAIL" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
