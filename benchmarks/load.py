"""Sustained uploads against a real hub and django-q2 cluster: throughput, latency, and whether analysis
keeps up, with what was lost or repeated.

    python benchmarks/load.py [--backends postgresql] [--brokers orm,redis] [--seconds 90] [--quick]

The issue's probe: 4 clients posting 2,000-case reports (2% of the cases failing at random) to a hub of 4
gunicorn workers, 8.3 uploads/s in all (the rate that probe's hub kept; ``--rate 0`` posts as fast as the
hub answers), with one analysis worker (4x fewer than clients). Targets: the oldest analysis still
owed stays under 60 s, an upload's analysis is in the database within 60 s of it, nothing is lost or
repeated. The idle baseline is one upload on the same hub before the load. ``_load.py`` describes the
run, ``_audit.py`` what counts as lost and repeated.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import replace

from _hub import BACKENDS, backend_names, log, skip_note
from _load import BROKERS, QUICK, Fault, LoadPlan, run_load
from _load_figures import load_rows, table, timeline
from _procs import redis_unavailable, run_main
from ingest import closing_line

DATABASE = os.environ.get("BENCH_LOAD_DATABASE", "orchestrate_load")


def broker_names(text: str) -> list[str]:
    """``--brokers``: comma-separated names among ``BROKERS``."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(BROKERS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown broker(s) {', '.join(unknown)}: use {', '.join(BROKERS)}")
    return names


def unavailable(backend: str, broker: str) -> str | None:
    """Why this backend and broker cannot run here, as the line to print, or None."""
    if note := skip_note(backend):
        return note
    if broker == "redis" and (reason := redis_unavailable()):
        return f"{backend}/redis skipped: {reason}"
    return None


def add_plan_arguments(parser: argparse.ArgumentParser) -> None:
    """The sizing options every load-based command shares."""
    parser.add_argument("--quick", action="store_true", help="a smoke test of a few seconds a scenario")
    parser.add_argument("--seconds", type=float, help="how long the clients post (default 90; --quick 6)")
    parser.add_argument("--clients", type=int, help="concurrent uploading clients (default 4)")
    parser.add_argument("--cases", type=int, help="cases per report (default 2000)")
    parser.add_argument(
        "--rate",
        type=float,
        help="uploads/s from all clients together (default 8.3, the issue's probe; 0: as fast as the hub "
        "answers; --quick: 0)",
    )
    parser.add_argument("--hub-workers", type=int, help="gunicorn workers (default 4)")
    parser.add_argument("--q-workers", type=int, help="django-q2 workers (default 1)")
    parser.add_argument("--drain", type=float, help="the most seconds to wait for the queue to empty (300)")
    parser.add_argument(
        "--database",
        default=DATABASE,
        help="scratch PostgreSQL database, created and dropped (default $BENCH_LOAD_DATABASE or %(default)s)",
    )


def plan_from(args: argparse.Namespace) -> LoadPlan:
    plan = QUICK if args.quick else LoadPlan()
    given = {
        "seconds": args.seconds,
        "clients": args.clients,
        "cases": args.cases,
        "q_workers": args.q_workers,
        "hub_workers": args.hub_workers,
        "drain": args.drain,
    }
    for name, value in given.items():
        if value is not None and value <= 0:
            raise SystemExit(f"--{name.replace('_', '-')} must be positive, got {value}")
    if args.rate is not None and args.rate < 0:
        raise SystemExit(f"--rate must be 0 (unpaced) or positive, got {args.rate}")
    given["rate"] = args.rate
    return replace(plan, **{name: value for name, value in given.items() if value is not None})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/load.py")
    parser.add_argument(
        "--backends", type=backend_names, default="postgresql", help=f"comma-separated: {', '.join(BACKENDS)}"
    )
    parser.add_argument(
        "--brokers", type=broker_names, default="orm,redis", help="django-q2 brokers: orm, redis (private)"
    )
    add_plan_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan = plan_from(args)
    started = time.monotonic()
    rows, timelines, skipped = [], [], []
    for backend in args.backends:
        for broker in args.brokers:
            if note := unavailable(backend, broker):
                skipped.append(note)
                log(note)
                continue
            result = run_load(backend, broker, plan, Fault(), args.database)
            scenario = f"{backend}/{broker}"
            rows += load_rows(scenario, result)
            timelines += [f"{scenario}: {line}" for line in result.notes]
            timelines.append(f"{scenario}: the queue over time\n{timeline(result.samples)}")
    print(f"\nSustained uploads{' (--quick: smoke sizes)' if args.quick else ''}\n\n{table(rows)}\n")
    print("\n\n".join(timelines))
    for note in skipped:
        print(note)
    print(closing_line(started))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
