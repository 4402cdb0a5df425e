"""``/metrics`` in Prometheus' text format: what operators watch, read from the database at scrape time.

A custom collector asks the database on each scrape instead of counting in memory, so every hub process
(web workers, the task cluster) answers with the same figures, and a restart loses nothing. Each figure
is one aggregate query over an indexed or small table; labels stay few (states, responders,
conclusions), never per project or per test.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from django.db.models import Count, Exists, Min, OuterRef, Q, Sum
from django.utils import timezone
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from hub.failures.models import Failure, JobFailure
from hub.metrics import figures, services
from hub.outbox.models import OwedWork, WorkState
from hub.response import decisions
from hub.response.models import Effect, FixJob, FixJobEvent, FixState, Responder
from hub.runs.models import Run, RunStatus, Upload
from hub.runs.services.state import FAILED_CONCLUSIONS


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
        yield from _response_loop()


def _response_loop() -> Iterator[Metric]:
    """The response loop's outcomes hub-wide (the per-project, per-week figures are in the API)."""
    failed = Run.objects.filter(
        from_provider=True, status=RunStatus.COMPLETED, conclusion__in=FAILED_CONCLUSIONS
    )
    recorded = Q(Exists(Failure.objects.filter(run=OuterRef("pk")))) | Q(
        Exists(JobFailure.objects.filter(job__run=OuterRef("pk")))
    )
    detected = failed.filter(recorded).count()
    runs = GaugeMetricFamily(
        "orchestrate_failed_runs_reported",
        "Runs the CI reported failed, by whether the hub recorded why (docs/metrics.md: failure detection)",
        labels=["detected"],
    )
    runs.add_metric(["yes"], detected)
    runs.add_metric(["no"], failed.count() - detected)
    yield runs
    closed = CounterMetricFamily(
        "orchestrate_issues_closed",
        "Issues the hub filed that were closed: by the hub (resolved) or by a person as not a problem",
        labels=["as"],
    )
    closes = FixJobEvent.objects.filter(
        fix_job__responder=Responder.ISSUES, to_state=FixState.SUCCEEDED, detail__move=decisions.CLOSE
    ).exclude(detail__was=decisions.DISMISSED)
    closed.add_metric(["resolved"], closes.count())
    dismissals = Effect.objects.filter(kind="issue", detail__has_key="dismissals").values_list(
        "detail", flat=True
    )
    closed.add_metric(["not_a_problem"], sum(len(detail.get("dismissals") or []) for detail in dismissals))
    yield closed
    yield from _loop_outcomes()


def _loop_outcomes() -> Iterator[Metric]:
    """Merged fixes by whether they broke the default branch, and re-runs wasted (docs/metrics.md: what
    the loop achieved). Judging a merge reads the default branch's runs either side of it: two small
    queries per merged fix, and the hub merges few."""
    merged = CounterMetricFamily(
        "orchestrate_fixes_merged",
        "Fixes the hub merged, by whether the default branch's next run failed a test it passed before",
        labels=["broke_something"],
    )
    verdicts = Counter(
        "not_yet_known" if merge.failing_after is None else "yes" if figures.broke_something(merge) else "no"
        for merge in services.merges()
    )
    for verdict in ("yes", "no", "not_yet_known"):
        merged.add_metric([verdict], verdicts[verdict])
    yield merged
    yield CounterMetricFamily(
        "orchestrate_reruns_wasted",
        "Re-runs whose new attempt failed again on the same tests",
        FixJob.objects.filter(
            responder=Responder.RERUN, state=FixState.FAILED, events__to_state=FixState.FAILED,
            events__detail__has_key="failed_again",
        ).distinct().count(),
    )  # fmt: skip


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
