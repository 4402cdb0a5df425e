"""Faults under load, one command each; every one prints what was lost or repeated (target 0).

    python benchmarks/faults.py worker-kill    [--brokers orm,redis]   # SIGKILL a busy django-q2 worker
    python benchmarks/faults.py db-terminate   [--brokers orm]         # pg_terminate_backend mid-upload
    python benchmarks/faults.py redis-restart                          # the private Redis stopped, started
    python benchmarks/faults.py hub-down                               # `orchestrate report` while it is down
    python benchmarks/faults.py provider-storm                         # 5xx and 429 storms at the provider
    (each takes --quick: a smoke test of seconds)

The first three run ``load.py``'s sustained uploads (``_load.py``) with the fault done meanwhile in a
thread, then drain and audit the database (``_audit.py``). Only what this run started is harmed: its
own cluster's processes, its own database's connections, its own ``redis-server``. ``hub-down`` is in
``_fault_hub_down.py``, ``provider-storm`` in ``_fault_storm.py``.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from _fault_hub_down import hub_down
from _fault_storm import provider_storm
from _hub import log
from _load import Fault, Services, run_load
from _load_figures import Row, load_rows, table, timeline
from _procs import run_main
from ingest import closing_line
from load import add_plan_arguments, broker_names, plan_from, unavailable


@dataclass
class WorkerKill(Fault):
    """Every ``every`` seconds, SIGKILL the cluster's busiest process (a worker inside a task)."""

    every: float
    name: str = "worker-kill"
    killed: list[float] = field(default_factory=list)

    def run(self, services: Services, stop: threading.Event) -> None:
        while not stop.wait(self.every):
            if services.cluster.kill_busiest() is not None:
                self.killed.append(services.elapsed())

    def notes(self) -> list[str]:
        return [f"{len(self.killed)} SIGKILLs at t = {', '.join(f'{t:.0f}' for t in self.killed)} s"]


@dataclass
class DbTerminate(Fault):
    """Every ``every`` seconds, terminate every connection to this run's database (gunicorn's, the
    cluster's, the sampler's): ``pg_terminate_backend`` on ``pg_stat_activity`` rows of this database only."""

    every: float
    name: str = "db-terminate"
    terminated: int = 0
    rounds: int = 0

    def run(self, services: Services, stop: threading.Event) -> None:
        while not stop.wait(self.every):
            conn = services.hub.backend.connect()
            try:
                rows = conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                ).fetchall()
                conn.commit()
            finally:
                conn.close()
            self.rounds += 1
            self.terminated += sum(1 for (done,) in rows if done)

    def notes(self) -> list[str]:
        return [f"{self.terminated} connections terminated in {self.rounds} rounds"]


@dataclass
class RedisRestart(Fault):
    """Stop the private Redis ``outage`` seconds into the uploads, for ``outage`` seconds, then start it
    again (empty: it keeps nothing on disk, as a Redis without persistence comes back)."""

    outage: float
    name: str = "redis-restart"
    down: tuple[float, float] | None = None

    def run(self, services: Services, stop: threading.Event) -> None:
        if stop.wait(self.outage):
            return
        services.redis.stop()
        began = services.elapsed()
        stop.wait(self.outage)
        services.redis.start()
        self.down = (began, services.elapsed())

    def notes(self) -> list[str]:
        if self.down is None:
            return ["Redis was not stopped: the uploads ended first"]
        return [f"Redis down from t = {self.down[0]:.0f} s to {self.down[1]:.0f} s"]


QUEUE_FAULTS = {
    "worker-kill": ("orm,redis", lambda quick: WorkerKill(every=2.0 if quick else 10.0)),
    "db-terminate": ("orm", lambda quick: DbTerminate(every=2.0 if quick else 10.0)),
    "redis-restart": ("redis", lambda quick: RedisRestart(outage=2.0 if quick else 15.0)),
}


def queue_fault(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    plan = plan_from(args)
    rows, notes = [], []
    for broker in args.brokers or broker_names(QUEUE_FAULTS[args.fault][0]):
        if args.fault == "redis-restart" and broker != "redis":
            raise SystemExit("redis-restart needs the redis broker: drop --brokers or pass --brokers redis")
        if note := unavailable("postgresql", broker):
            notes.append(note)
            log(note)
            continue
        fault = QUEUE_FAULTS[args.fault][1](args.quick)
        result = run_load("postgresql", broker, plan, fault, args.database)
        scenario = f"{args.fault} {broker}"
        rows += load_rows(scenario, result)
        notes += [f"{scenario}: {line}" for line in result.notes]
        notes.append(f"{scenario}: the queue over time\n{timeline(result.samples)}")
    return rows, notes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/faults.py")
    parser.add_argument("fault", choices=(*QUEUE_FAULTS, "hub-down", "provider-storm"))
    parser.add_argument("--brokers", type=broker_names, help="for the queue faults (default: per fault)")
    add_plan_arguments(parser)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    if args.fault in QUEUE_FAULTS:
        rows, notes = queue_fault(args)
    elif args.fault == "hub-down":
        rows, notes = hub_down(args)
    else:
        rows, notes = provider_storm(args)
    print(f"\nFault: {args.fault}{' (--quick: smoke sizes)' if args.quick else ''}\n\n{table(rows)}\n")
    print("\n".join(notes))
    print(closing_line(started))
    return 0


if __name__ == "__main__":
    sys.exit(run_main(main))
