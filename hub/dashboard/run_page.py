"""What a run's page shows, failures first, assembled from the failure context's own parts.

Failing tests (final attempts that failed or errored) are read a page at a time with the API's job-by-job
keyset pagination (``JobByJobPagination``), so a run with 10,000 failures paints its first 50 as fast as a
run with 50. Each page's entries come from ``context_failures.failures`` (the run context's builder:
attempts, category, cluster, base-branch classification, flaky verdict, quarantine, reproduce command),
their attempts' text (message, type, trace, output: what a program printed) redacted like the context's, then
grouped by cluster, the clusters in the order of their most urgent
failure (new first, known flaky last). The run's largest clusters are counted over all its failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count
from django.urls import reverse

from agent.redact import redact
from hub.api.pagination import JobByJobPagination
from hub.dashboard.paging import Page, page
from hub.failures.models import Category, Failure, JobFailure
from hub.failures.services import context_failures
from hub.failures.services.context import FAILED, pull_request_url
from hub.operations.models import JobLog
from hub.response.models import FixJob
from hub.runs.models import Artifact, CoverageReport, ResultStatus, Run, TestResult

FAILURES_PER_PAGE = 50
TOP_CLUSTERS = 10
RETRIED_SHOWN = 50
TEXT_FIELDS = ("message", "failure_type", "trace", "output")


@dataclass
class ClusterGroup:
    cluster: dict[str, Any] | None
    failures: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class JobsView:
    """A run's jobs and what hangs off each, read in one query per kind."""

    jobs: list
    logs: dict[int, JobLog]
    failures: dict[int, JobFailure]
    coverage: dict[int, list[CoverageReport]]


class _JobIds:
    """What ``JobByJobPagination`` asks of its view: the run's job ids, ascending."""

    def __init__(self, job_ids: list[int]) -> None:
        self.job_ids = job_ids


def labels(entry: dict[str, Any]) -> list[str]:
    """The classification marks of one failure entry: how it compares with the base branch, and whether
    the test is a known flaky one or quarantined (each a ``classification`` mark value)."""
    found = [entry["classification"]] if entry.get("classification") else []
    flaky = entry.get("flaky") or {}
    if flaky.get("state") == "flaky" and "flaky" not in found:
        found.append("flaky")
    if entry.get("quarantine"):
        found.append("quarantined")
    return found


def grouped(entries: list[dict[str, Any]]) -> list[ClusterGroup]:
    """Entries (already in reading order) grouped by cluster; a group sits where its first entry was."""
    groups: dict[Any, ClusterGroup] = {}
    for entry in entries:
        cluster = entry.get("cluster")
        key = cluster["id"] if cluster else None
        groups.setdefault(key, ClusterGroup(cluster)).failures.append(entry)
    return list(groups.values())


def _redacted(attempt: dict[str, Any]) -> dict[str, Any]:
    """An attempt with its text redacted: what a program printed (message, type, trace, output); its other
    fields are the hub's own values, and redacting them too tripled the page's regular-expression work."""
    return {**attempt, **{name: redact(attempt[name]) for name in TEXT_FIELDS if attempt.get(name)}}


def failures_page(run: Run, job_ids: list[int], request) -> tuple[Page, list[ClusterGroup]]:
    failing = TestResult.objects.filter(job_id__in=job_ids, final=True, status__in=FAILED).select_related(
        "test", "job", "analysis__cluster"
    )
    shown = page(JobByJobPagination, failing, request, view=_JobIds(job_ids), size=FAILURES_PER_PAGE)
    ordered = sorted(shown.rows, key=context_failures.rank)
    entries = context_failures.failures(ordered, run.project.full_name)
    for entry in entries:
        entry["attempts"] = [_redacted(attempt) for attempt in entry["attempts"]]
        if entry["cluster"]:  # a message masked of numbers, not of secrets
            entry["cluster"]["normalised"] = redact(entry["cluster"]["normalised"])
        entry["labels"] = labels(entry)
        entry["final"] = entry["attempts"][-1] if entry["attempts"] else {}
        entry["category_label"] = Category(entry["category"]).label if entry["category"] else ""
    return shown, grouped(entries)


def top_clusters(run: Run) -> list[dict[str, Any]]:
    found = list(
        Failure.objects.filter(run=run, cluster__isnull=False)
        .values("cluster_id", "cluster__normalised", "cluster__category")
        .annotate(count=Count("pk"))
        .order_by("-count", "cluster_id")[:TOP_CLUSTERS]
    )
    return [{**row, "cluster__normalised": redact(row["cluster__normalised"])} for row in found]


def passed_on_retry(run: Run, job_ids: list[int]) -> list[TestResult]:
    """Tests whose last attempt passed after a failed one: the run's flaky-on-retry (counted at ingest,
    so the query runs only when there are some)."""
    if not run.flaky:
        return []
    retried = TestResult.objects.filter(
        job_id__in=job_ids, final=True, status=ResultStatus.PASSED, attempt__gt=1
    ).select_related("test", "job")
    return list(retried.order_by("job_id", "id")[:RETRIED_SHOWN])


def jobs_view(run: Run) -> JobsView:
    jobs = list(run.jobs.order_by("id"))
    ids = [job.pk for job in jobs]
    coverage: dict[int, list[CoverageReport]] = {}
    for report in CoverageReport.objects.filter(job_id__in=ids).order_by("id"):
        coverage.setdefault(report.job_id, []).append(report)
    return JobsView(
        jobs=jobs,
        logs={log.job_id: log for log in JobLog.objects.filter(job_id__in=ids).defer("content")},
        failures={f.job_id: f for f in JobFailure.objects.filter(job_id__in=ids)},
        coverage=coverage,
    )


def context(run: Run, request) -> dict[str, Any]:
    jobs = jobs_view(run)
    job_ids = [job.pk for job in jobs.jobs]
    shown, groups = failures_page(run, job_ids, request)
    for job in jobs.jobs:
        job.stored_log = jobs.logs.get(job.pk)
        job.analysis = jobs.failures.get(job.pk)
        job.coverage = jobs.coverage.get(job.pk, [])
    artifacts = [
        (artifact, reverse("artifact-download", args=[artifact.pk]))
        for artifact in Artifact.objects.filter(run=run).order_by("name", "id")
    ]
    fix_jobs = FixJob.objects.filter(run=run).prefetch_related("effects").order_by("-created_at", "-id")
    return {
        "run": run,
        "pull_request_url": pull_request_url(run) if run.pull_request else "",
        "failures_page": shown,
        "groups": groups,
        "top_clusters": top_clusters(run),
        "retried": passed_on_retry(run, job_ids),
        "jobs": jobs.jobs,
        "artifacts": artifacts,
        "fix_jobs": list(fix_jobs),
        "failing": run.failed + run.errors,
    }
