"""``/metrics`` in Prometheus' text format: what operators watch, read from the database at scrape time.

A custom collector asks the database on each scrape instead of counting in memory, so every hub process
(web workers, the task cluster) answers with the same figures, and a restart loses nothing. Each figure
is one aggregate query over an indexed or small table; labels stay few (states, responders,
conclusions), never per project or per test.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Min, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from hub.outbox.models import OwedWork, WorkState
from hub.response.models import FixJob
from hub.runs.models import Run, Upload


class HubCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        uploads = Upload.objects.aggregate(count=Count("pk"), results=Sum("results"))
        yield CounterMetricFamily(
            "orchestrate_uploads", "Reports accepted (uploads stored)", uploads["count"]
        )
        yield CounterMetricFamily(
            "orchestrate_results_stored", "Test results stored by uploads", uploads["results"] or 0
        )
        yield from _queue()
        jobs = GaugeMetricFamily(
            "orchestrate_fix_jobs", "Fix jobs by state and responder", labels=["state", "responder"]
        )
        for row in FixJob.objects.values("state", "responder").annotate(n=Count("pk")).order_by():
            jobs.add_metric([row["state"], row["responder"]], row["n"])
        yield jobs
        runs = GaugeMetricFamily(
            "orchestrate_runs", "Runs by status and conclusion", labels=["status", "conclusion"]
        )
        for row in Run.objects.values("status", "conclusion").annotate(n=Count("pk")).order_by():
            runs.add_metric([row["status"], row["conclusion"] or "none"], row["n"])
        yield runs


def _queue() -> Iterator[Metric]:
    from django_q.models import OrmQ

    now = timezone.now()
    owed = OwedWork.objects.filter(state=WorkState.OWED).aggregate(n=Count("pk"), oldest=Min("created_at"))
    yield GaugeMetricFamily("orchestrate_owed_work", "Announcements whose work is not done yet", owed["n"])
    yield GaugeMetricFamily(
        "orchestrate_owed_work_oldest_age_seconds",
        "Age of the oldest work still owed (0 when none)",
        _age(now, owed["oldest"]),
    )
    # An ORM-broker task's lock is when it was queued, until a worker takes it (then a time ahead).
    queued = OrmQ.objects.filter(lock__lte=now).aggregate(n=Count("pk"), oldest=Min("lock"))
    yield GaugeMetricFamily("orchestrate_task_queue_depth", "Tasks waiting in the queue", queued["n"])
    yield GaugeMetricFamily(
        "orchestrate_task_queue_oldest_age_seconds",
        "Age of the oldest task waiting (0 when none)",
        _age(now, queued["oldest"]),
    )


def _age(now, oldest) -> float:
    return max(0.0, (now - oldest).total_seconds()) if oldest else 0.0


def registry() -> CollectorRegistry:
    """A registry of the hub's figures only (not this process' own, which differ between processes)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector())
    return registry
