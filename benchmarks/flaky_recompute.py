"""How fast the hub recomputes every test's flaky verdict from 1M results, beside the naive queries.

    python benchmarks/flaky_recompute.py [--size 1m|10m] [--backends sqlite,postgresql] [--repeat 5] [--quick]

For each backend: a fresh database migrated by the hub, a project, and a fixture of ``--size`` results
(1M: 10k tests x 100 runs; 10M: 20k tests x 500 runs) shaped like a real suite: four jobs a run (two of
them retry a failed test once, pytest-rerunfailures style), a fifth of the runs on pull requests, some
runs re-run on the same commit, about 1.5% of results failing and concentrated in a few tests (flaky
tests with rates from 1% to 30%, tests broken since a commit, short regressions, and a few
infrastructure outages where most of a job fails at once).

The fixture is written straight into the tables (``executemany`` on SQLite, ``COPY`` on PostgreSQL,
followed by ``ANALYZE`` there as autovacuum would): it is a benchmark fixture of a size the ingest API
would take many minutes to load, and the ingest path has its own benchmark (``ingest.py``). Then, in a
Django subprocess against that database:

* ``hub.flaky.services.detection_run.recompute_project``: the first call (no verdicts yet) and the best
  of ``--repeat``;
* the naive baseline the issue quotes, measured in the same process on the same connection, taking
  turns with ours: a same-commit ``GROUP BY`` over all results and a flip-rate window (``LAG`` over each
  test's default-branch results), summed;
* p95 of ``GET /api/v1/flaky?project=OWNER/NAME`` through Django's test client (the whole middleware,
  authentication and DRF stack; no socket).

Targets (issue 4): recompute of 1M results <= 0.75 s on PostgreSQL and <= 1.5 s on SQLite; the flaky list
<= 200 ms p95 at 10M results. ``--quick`` builds 40k results as a smoke test; its figures say nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from _flaky_fixture import Fixture, Shape  # the script's dir
from _flaky_hub import call
from _hub import Hub, backend_names, hub_environment, log, scratch_backend, skip_note
from _table import render

PROJECT = "bench/recompute"
RECOMPUTE_TARGET = {"sqlite": 1.5, "postgresql": 0.75}  # seconds at 1M results
API_TARGET = 0.200  # seconds, p95, at 10M results
SHAPES = {
    "1m": Shape(10_000, 100, "1M"),
    "10m": Shape(20_000, 500, "10M"),
    "quick": Shape(1_000, 40, "40k"),
}


@dataclass(frozen=True)
class Row:
    backend: str
    figure: str
    target: str
    ours: str
    baseline: str = "-"
    ratio: str = "-"
    verdict: str = "-"


# --- Measuring --------------------------------------------------------------------------------------------


def p95(values: Sequence[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))]


def verdict(ok: bool, comparable: bool) -> str:
    if not comparable:
        return "n/a"
    return "PASS" if ok else "FAIL"


def bench_backend(name: str, shape: Shape, args: argparse.Namespace, log) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="orchestrate-bench-") as tmp:
        workdir = Path(tmp)
        database = f"orchestrate_bench_recompute_{os.getpid()}"
        with scratch_backend(name, workdir, database) as backend:
            hub = Hub(backend, workdir, project=PROJECT)
            hub.env = hub_environment(backend, workdir)
            hub.manage("migrate", "--noinput")
            tokens = hub.helper("setup", PROJECT)
            conn = backend.connect()
            mark = "?" if backend.path else "%s"
            (project_id,) = conn.execute(
                f"SELECT id FROM projects_project WHERE full_name = {mark}", [PROJECT]
            ).fetchone()
            conn.close()
            started = time.perf_counter()
            counts = Fixture(backend, project_id, shape, args.seed).build()
            log(
                f"{name}: fixture of {counts['results']} results ({counts['failed']} failed, "
                f"{counts['failed'] / counts['results']:.2%}), {shape.tests} tests x {counts['runs']} runs, "
                f"built in {time.perf_counter() - started:.0f} s"
            )
            timed = call(hub.env, "recompute", PROJECT, str(args.repeat))
            reader = {**hub.env, "BENCH_API_TOKEN": tokens["api_token"]}
            reads = call(reader, "api-reads", PROJECT, str(args.reads))
    t = timed["timings"]
    first, best = t["recompute"][0], min(t["recompute"][1:] or t["recompute"])
    naive = [a + b for a, b in zip(t["same_sha"], t["flip_rate"], strict=True)]
    log(
        f"  recompute: first {first:.3f} s, then {', '.join(f'{x:.3f}' for x in t['recompute'][1:])}; "
        f"naive: {', '.join(f'{x:.3f}' for x in naive)}; verdicts {timed['states']}"
    )
    profile = timed["profile"]
    lazy = " (SQLite steps rows as they are fetched, so most of its query time is not in this)" * (
        name == "sqlite"
    )
    log(
        f"  where a recompute's {profile['total']:.3f} s go: {profile['queries']} queries take "
        f"{profile['in_queries']:.3f} s in execute(){lazy}; slowest: "
        + "; ".join(f"{seconds:.3f} s {sql}" for seconds, sql in profile["slowest"])
    )
    full = shape.label == "1M"
    label = f"{shape.label} results"
    target = RECOMPUTE_TARGET[name]
    rows = [
        Row(
            name,
            f"recompute_project, {label}, best of {len(t['recompute']) - 1 or 1}",
            f"<= {target} s (at 1M)",
            f"{best:.3f} s",
            f"{min(naive):.3f} s",
            f"{best / min(naive):.2f}",
            verdict(best <= target, full),
        ),
        Row(name, f"  first recompute (no verdicts yet), {label}", "-", f"{first:.3f} s"),
        Row(
            name,
            "  naive: same-commit GROUP BY / flip-rate window, best",
            "-",
            "-",
            f"{min(t['same_sha']):.3f} / {min(t['flip_rate']):.3f} s",
        ),
    ]
    if reads.get("status") == 200:
        rows.append(
            Row(
                name,
                f"GET /api/v1/flaky p95 of {len(reads['times'])}, {label} (test client, "
                f"{reads['bytes'] // 1024} KiB a page)",
                f"<= {API_TARGET * 1000:.0f} ms (at 10M)",
                f"{p95(reads['times']) * 1000:.1f} ms",
                verdict=verdict(p95(reads["times"]) <= API_TARGET, shape.label == "10M"),
            )
        )
    else:
        rows.append(
            Row(
                name,
                "GET /api/v1/flaky",
                "-",
                f"answered {reads.get('status')}: {reads.get('body', '')[:80]}",
            )
        )
    return rows


def table(rows: Sequence[Row]) -> str:
    columns = (
        ("backend", "backend"),
        ("figure", "figure"),
        ("target", "target"),
        ("ours", "ours"),
        ("baseline", "naive queries"),
        ("ratio", "ours/naive"),
        ("verdict", "result"),
    )
    return render(rows, columns)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], prog="benchmarks/flaky_recompute.py"
    )
    parser.add_argument(
        "--size", choices=("1m", "10m"), default="1m", help="results in the fixture (10m takes long)"
    )
    parser.add_argument(
        "--backends",
        type=backend_names,
        default="sqlite,postgresql",
        help="comma-separated: sqlite, postgresql",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed recomputes after the first (best is kept)"
    )
    parser.add_argument("--reads", type=int, default=50, help="API requests for the p95")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="a 40k-result fixture: a smoke test")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the rows as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    shape = SHAPES["quick" if args.quick else args.size]
    if args.quick:
        args.repeat, args.reads = min(args.repeat, 2), min(args.reads, 10)
    args.repeat += 1  # the first call is reported on its own
    backends = args.backends
    started = time.monotonic()
    rows: list[Row] = []
    notes = []
    for name in backends:
        if note := skip_note(name):
            notes.append(note)
            log(note)
            continue
        try:
            rows += bench_backend(name, shape, args, log)
        except RuntimeError as exc:  # a failed command (HubCommandError) or a hub that did not start
            log(f"{name}: {exc}")
            return 2
    title = f"Flaky recompute and read benchmark, {shape.label} results" + (
        " (--quick: smoke size)" * args.quick
    )
    print(f"\n{title}\n\n{table(rows)}\n")
    for note in notes:
        print(note)
    took, load = time.monotonic() - started, os.getloadavg()[0]
    print(f"total {took:.0f} s on {os.cpu_count()} CPUs; 1-minute load at the end {load:.1f}")
    if args.json:
        args.json.write_text(json.dumps([asdict(row) for row in rows], indent=2) + "\n")
    return 1 if args.strict and any(row.verdict == "FAIL" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
