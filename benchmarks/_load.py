"""Sustained uploads against a real hub with a real django-q2 cluster, and a fault injected meanwhile.

``run_load`` starts a hub (gunicorn, ``LoadPlan.hub_workers`` workers) on a scratch database, a
``qcluster`` with ``LoadPlan.q_workers`` workers on the chosen broker (the ORM, or a private
``redis-server``), and ``LoadPlan.clients`` threads that each post reports for ``LoadPlan.seconds``: every
post a new run and job of ``LoadPlan.cases`` cases, each failing at random with ``failure_rate``, retried
as the agent retries (``_load_clients.py``).

While it runs, a sampler reads from the database every ``sample_every`` seconds how many uploads are
still owed their analysis and how old the oldest is, with the broker's own queue depth, and prints a
progress line. A ``Fault`` (``faults.py``) gets the running services and a stop event and does its damage
in its own thread. After the uploads end, the run waits (bounded by ``drain``) until nothing is owed, then
``_audit.audit`` counts what was lost and what was repeated.
"""

from __future__ import annotations

import math
import random
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests
from _audit import Audit, audit, owed, verdicts
from _hub import Hub, log, running_hub
from _load_clients import CLIENT_TIMEOUT, Sent, client_loop, context_for, post, prepare, report_body
from _procs import INTERRUPTED, Cluster, RedisServer

BROKERS = ("orm", "redis")
CLUSTER_NAME = "orchestrate-load"
JUDGED_WINDOW = 500  # uploads behind the newest judged one that the sampler still reads


@dataclass(frozen=True)
class LoadPlan:
    """How hard and how long: the issue's probe is 4 clients of 2,000-case reports, 2% failing, against 4
    gunicorn workers, with a quarter as many analysis workers as clients."""

    clients: int = 4
    cases: int = 2000
    failure_rate: float = 0.02
    rate: float = 8.3  # uploads/s from all clients together (the probe kept 8.3/s); 0: unpaced
    seconds: float = 90.0
    hub_workers: int = 4
    q_workers: int = 1
    drain: float = 300.0  # the sweep takes lost work back a lease (q_retry) and up to 1.5 minutes late
    sample_every: float = 5.0
    q_timeout: int = 60
    q_retry: int = 90


QUICK = LoadPlan(
    clients=2,
    cases=200,
    rate=0.0,
    seconds=6.0,
    hub_workers=2,
    drain=45.0,
    sample_every=1.0,
    q_timeout=20,
    q_retry=30,
)


@dataclass
class Sample:
    at: float  # seconds since the uploads started
    owed: int  # uploads whose analysis is not in the database yet
    oldest: float  # age in seconds of the oldest of them (0 when none)
    broker: int | None  # the broker's queue depth (None when it cannot be read)


@dataclass
class LoadResult:
    plan: LoadPlan
    broker: str
    sent: list[Sent]
    samples: list[Sample]
    drained_in: float | None  # seconds after the last upload until nothing was owed; None: not within drain
    audit: Audit
    wall: float
    idle: tuple[float, float | None, float | None]  # one upload alone first: request to committed, upload
    # to its analysis, upload to its verdict
    notes: list[str] = field(default_factory=list)  # the fault's, and the cluster's state at the end
    verdict_lag: list[float] = field(default_factory=list)  # seconds, upload received -> its verdict

    @property
    def confirmed(self) -> list[Sent]:
        return [sent for sent in self.sent if sent.confirmed]


class Fault:
    """Damage done while the uploads run. ``run`` is called in a thread with the live services and an
    event that is set when the uploads end; it must return promptly after that."""

    name = "none"

    def run(self, services: Services, stop: threading.Event) -> None:
        stop.wait()

    def notes(self) -> list[str]:
        return []


@dataclass
class Services:
    hub: Hub
    cluster: Cluster
    redis: RedisServer | None
    started: float = field(default_factory=time.monotonic)
    judged: dict[int, float] = field(default_factory=dict)  # upload id -> seconds to its verdict (first read)
    baseline: set[int] = field(default_factory=set)  # the idle baseline's upload: not the load's

    def elapsed(self) -> float:
        return time.monotonic() - self.started


# --- The run ---------------------------------------------------------------------------------------


def broker_environment(broker: str, redis: RedisServer | None, plan: LoadPlan) -> dict[str, str]:
    return {
        "REDIS_URL": redis.url if redis else "",  # empty: the ORM broker, whatever the caller's env says
        "Q_CLUSTER_NAME": CLUSTER_NAME,
        "Q_WORKERS": str(plan.q_workers),
        "Q_TIMEOUT": str(plan.q_timeout),
        "Q_RETRY": str(plan.q_retry),
        # Owed work a killed worker held, or a broker lost, is enqueued again by the sweep (every minute, its
        # least) once its lease is over: the lease is Q_RETRY, as the hub's default is.
        "OWED_LEASE_SECONDS": str(plan.q_retry),
        "OWED_SWEEP_MINUTES": "1",
    }


def sample(services: Services) -> Sample:
    waiting, oldest = owed(services.hub.backend)
    # Analyses go oldest first, a pass at a time: an upload far behind the newest judged one is judged.
    after = max(services.judged, default=0) - JUDGED_WINDOW
    for upload, lag in verdicts(services.hub.backend, after).items():
        services.judged.setdefault(upload, lag)
    if services.redis is not None:
        depth = services.redis.queue_depth(CLUSTER_NAME)
    else:
        depth = broker_rows(services.hub)
    return Sample(round(services.elapsed(), 1), waiting, oldest, depth)


def broker_rows(hub: Hub) -> int:
    conn = hub.backend.connect()
    try:
        return conn.execute("SELECT count(*) FROM django_q_ormq").fetchone()[0]
    finally:
        conn.close()


def progress(what: str, item: Sample, sent: int) -> None:
    broker = "?" if item.broker is None else item.broker
    log(
        f"  {what} t={item.at:5.0f}s uploads {sent:4d}, owed analysis {item.owed:3d} "
        f"(oldest {item.oldest:5.1f} s), broker queue {broker}"
    )


def safe_sample(services: Services) -> Sample | None:
    """A sample, or None when the database refuses the sampler (a fault may be on it)."""
    try:
        return sample(services)
    except Exception as exc:  # the database is the thing under fault
        if INTERRUPTED.is_set():
            raise KeyboardInterrupt from exc
        log(f"  sampler: {type(exc).__name__}: {str(exc).strip().splitlines()[0][:120]}")
        return None


def run_load(backend: str, broker: str, plan: LoadPlan, fault: Fault, database: str) -> LoadResult:
    """Start everything, post for ``plan.seconds`` with ``fault`` running beside, drain, audit."""
    wall = time.monotonic()
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="orchestrate-load-")))
        redis = stack.enter_context(private_redis(broker, scratch))
        overrides = broker_environment(broker, redis, plan)
        hub = stack.enter_context(
            running_hub(backend, database=database, workers=plan.hub_workers, **overrides)
        )
        cluster = stack.enter_context(Cluster(hub.env, hub.workdir))
        services = Services(hub, cluster, redis)
        log(
            f"{fault.name} on {backend}/{broker}: hub {hub.url} ({plan.hub_workers} workers), "
            f"qcluster {plan.q_workers} worker(s), {plan.clients} clients x {plan.cases} cases"
        )
        sent: list[Sent] = []
        samples: list[Sample] = []
        alone: list[Sent] = []  # the idle baseline's upload: audited, not counted in the load's figures
        idle = idle_baseline(services, plan, alone)
        report = (plan.cases, plan.failure_rate)
        ahead = math.ceil(plan.rate * plan.seconds / plan.clients) + 2 if plan.rate else 0
        if ahead:
            log(f"  preparing {ahead * plan.clients} reports before the load (the clients' own work)")
        prepared = [prepare(hub, report, n, ahead) for n in range(plan.clients)]
        services.started = time.monotonic()
        lock = threading.Lock()
        stop = threading.Event()
        stack.callback(stop.set)  # however the run ends, the clients and the fault stop first
        threads = [
            threading.Thread(
                target=client_loop,
                args=(hub, report, n, stop, sent, lock),
                kwargs={
                    "deadline": time.monotonic() + plan.seconds + plan.drain,
                    "interval": plan.clients / plan.rate if plan.rate else 0.0,
                    "prepared": prepared[n],
                },
                daemon=True,
            )
            for n in range(plan.clients)
        ]
        damage = threading.Thread(target=fault.run, args=(services, stop), daemon=True)
        for thread in (*threads, damage):
            thread.start()
        end = services.started + plan.seconds
        while time.monotonic() < end:
            time.sleep(min(plan.sample_every, max(0.0, end - time.monotonic())))
            if (item := safe_sample(services)) is not None:
                samples.append(item)
                progress(fault.name, item, len(sent))
        stop.set()
        for thread in (*threads, damage):
            thread.join(timeout=plan.drain + CLIENT_TIMEOUT)
        drained_in = drain(services, plan, samples, fault.name, len(sent))
        result_audit = audit(hub.backend, [s.key for s in (*alone, *sent) if s.confirmed])
        notes = [*fault.notes(), cluster.state()]
    load_verdicts = sorted(lag for upload, lag in services.judged.items() if upload not in services.baseline)
    wall = time.monotonic() - wall
    return LoadResult(
        plan, broker, sent, samples, drained_in, result_audit, wall, idle, notes, verdict_lag=load_verdicts
    )


def idle_baseline(
    services: Services, plan: LoadPlan, sent: list[Sent]
) -> tuple[float, float | None, float | None]:
    """One upload on the idle hub and cluster: its request-to-committed time and, once its analysis is in
    the database (waited for up to ``plan.drain``), the time from the upload to it and to its verdict."""
    hub = services.hub
    body, results = report_body(plan.cases, plan.failure_rate, random.Random(-1), context_for(hub, -1, 0))
    record = Sent(key=f"load-idle-{secrets.token_hex(6)}", results=results)
    with requests.Session() as session:
        post(hub, session, body, record, time.monotonic() + plan.drain)
    sent.append(record)
    deadline = time.monotonic() + plan.drain
    while time.monotonic() < deadline:
        if owed(hub.backend)[0] == 0:
            lag = audit(hub.backend, [record.key]).analysis_lag
            judged = verdicts(hub.backend)  # the only upload so far
            services.baseline.update(judged)
            return record.latency, (lag[0] if lag else None), next(iter(judged.values()), None)
        time.sleep(0.2)
    return record.latency, None, None


def drain(services: Services, plan: LoadPlan, samples: list[Sample], what: str, sent: int) -> float | None:
    """Wait, at most ``plan.drain`` seconds, until no upload is owed its analysis."""
    started = time.monotonic()
    while time.monotonic() - started < plan.drain:
        item = safe_sample(services)
        if item is not None:
            samples.append(item)
            progress(f"{what} drain", item, sent)
            if item.owed == 0:
                return time.monotonic() - started
        time.sleep(plan.sample_every)
    return None


@contextmanager
def private_redis(broker: str, workdir: Path) -> Iterator[RedisServer | None]:
    """A private Redis for the redis broker; nothing (None) for the ORM broker."""
    if broker != "redis":
        yield None
        return
    with RedisServer(workdir) as server:
        yield server
