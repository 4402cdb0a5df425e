"""One worker draining uploads that arrive at a steady rate, on a simulated clock (benchmarks/analysis.py).

The uploads are landed beforehand and their analyses owed; an upload "arrives" at ``i / rate`` seconds.
Owed work not arrived yet is kept out of the worker's reach (due later), so the worker sees exactly the
backlog it would: at the time it is free, it takes the oldest upload that has arrived, and, batching,
the rest of what has arrived (up to ``OWED_BATCH_SIZE``), through the hub's own claim
(``hub.outbox.services.claims.perform``). The clock advances by what each claim really took, so the
waits are the ones this machine would give at that rate; the CPU time is reported beside them, being
less sensitive to the machine's other load.

Per upload: its wait (arrival to the start of the pass that analysed it) and its upload-to-verdict
latency (arrival to the commit of that pass, which writes the verdicts and state changes its evidence
brought).

CPU time is the worker's process, plus, on PostgreSQL, its server backend's (read from ``/proc``, on the
same machine): there the queries run in another process.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True)
class Drained:
    uploads: int
    passes: int
    wall: float  # seconds the worker was busy
    cpu: float  # CPU seconds it spent (with its PostgreSQL backend's)
    oldest_wait: float
    verdict_latency: float  # the longest, arrival to commit
    last_wait: float  # the newest upload's wait: growing with the queue when the worker falls behind
    sizes: tuple[tuple[int, float], ...] = ()  # each pass: (uploads, seconds)

    @property
    def cpu_per_analysis(self) -> float:
        return self.cpu / self.uploads

    @property
    def rate(self) -> float:
        return self.uploads / self.wall

    def cost(self) -> tuple[float, float] | None:
        """(seconds a pass costs whatever its size, seconds each upload adds), fitted over passes of
        different sizes by least squares; None when they were all of one size."""
        n = len(self.sizes)
        mean_b = sum(b for b, _ in self.sizes) / n
        mean_t = sum(t for _, t in self.sizes) / n
        spread = sum((b - mean_b) ** 2 for b, _ in self.sizes)
        if spread == 0:
            return None
        marginal = sum((b - mean_b) * (t - mean_t) for b, t in self.sizes) / spread
        return max(mean_t - marginal * mean_b, 0.0), marginal

    def keeps_up(self, arrivals: float, batch: int) -> bool:
        """Whether the queue stays bounded at ``arrivals`` a second. One at a time: the worker, busy,
        analyses at least that fast. In passes of up to ``batch``: a pass of b uploads takes F + b*m
        seconds, so the pass size settles where F + b*m = b / arrivals, which exists when each upload
        adds less than the time between arrivals (m < 1/arrivals) and is at most ``batch``."""
        cost = self.cost() if batch > 1 else None
        if cost is None:
            return self.rate >= arrivals
        fixed, marginal = cost
        if marginal * arrivals >= 1:
            return False
        return arrivals * fixed / (1 - marginal * arrivals) <= batch


def cpu_seconds() -> float:
    """This process's CPU time, plus its PostgreSQL backend's when the database is on this machine."""
    import os

    from django.db import connection

    total = time.process_time()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # a server on another machine: its share is not counted
            return total
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return total


def drain(queued: list[int], rate: float, batch_size: int) -> Drained:
    """Do the owed analyses of ``queued`` (oldest first) as one worker would, had they arrived at
    ``rate`` a second, with ``OWED_BATCH_SIZE`` = ``batch_size``."""
    from django.conf import settings
    from django.utils import timezone

    from hub.outbox.models import OwedWork, WorkState
    from hub.outbox.services import claims

    work = dict(
        OwedWork.objects.filter(subject_id__in=queued, topic="upload.stored").values_list("subject_id", "pk")
    )
    OwedWork.objects.filter(pk__in=work.values()).update(due_at=timezone.now() + timedelta(days=1))
    arrival = {upload: n / rate for n, upload in enumerate(queued)}
    previous, settings.OWED_BATCH_SIZE = settings.OWED_BATCH_SIZE, batch_size
    clock = busy = cpu = 0.0
    waits: list[float] = []
    latencies: list[float] = []
    passes = 0
    sizes: list[tuple[int, float]] = []
    try:
        position = 0
        while position < len(queued):
            clock = max(clock, arrival[queued[position]])
            arrived = [u for u in queued[position:] if arrival[u] <= clock]
            OwedWork.objects.filter(pk__in=[work[u] for u in arrived]).update(
                due_at=timezone.now() - timedelta(hours=1)
            )
            started, started_cpu = time.perf_counter(), cpu_seconds()
            state = claims.perform(work[queued[position]])
            seconds = time.perf_counter() - started
            cpu += cpu_seconds() - started_cpu
            assert state == WorkState.DONE, state
            done = set(
                OwedWork.objects.filter(pk__in=[work[u] for u in arrived], state=WorkState.DONE).values_list(
                    "subject_id", flat=True
                )
            )
            batch = [u for u in queued[position:] if u in done]
            assert batch == queued[position : position + len(batch)], "a pass skipped an older upload"
            waits.extend(clock - arrival[u] for u in batch)
            latencies.extend(clock + seconds - arrival[u] for u in batch)
            clock += seconds
            busy += seconds
            sizes.append((len(batch), seconds))
            passes += 1
            position += len(batch)
    finally:
        settings.OWED_BATCH_SIZE = previous
    return Drained(len(queued), passes, busy, cpu, max(waits), max(latencies), waits[-1], tuple(sizes))


def line(name: str, result: Drained) -> str:
    cost = result.cost()
    fitted = f"; a pass {cost[0]:.3f} s + {cost[1]:.3f} s an upload" if cost else ""
    return (
        f"  {name}: {result.rate:5.1f} analyses/s, {result.cpu_per_analysis:.3f} CPU s each; "
        f"{result.uploads / result.passes:4.1f} uploads a pass; oldest wait {result.oldest_wait:5.1f} s, "
        f"newest {result.last_wait:5.1f} s; upload to verdict at most {result.verdict_latency:5.1f} s{fitted}"
    )
