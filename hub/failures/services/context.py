"""A run's failure context: what a person or a coding agent needs to fix the run, in one document.

For each failing test (final attempts that failed or errored): every attempt with its message and trace,
the category and cluster the analysis gave it, how it compares with the base branch (new, known flaky,
already failing), the flaky verdict and its evidence, the quarantine entry, and a command that runs it
again. For the run: its commit and pull request, the failed jobs' log excerpts (the diagnosis spans) and
the artifacts kept for it.

The document is plain data (served as JSON by the API, rendered as Markdown by ``context_markdown``),
bounded by ``hub.failures.context_budget`` and passed through ``agent.redact`` whole: test output and logs
carry whatever a program printed, credentials included. Failures not analysed yet are still listed, with
no category or cluster: the context is asked for right after a run fails, sometimes before the analysis
task has run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from agent.redact import redact_all
from hub.failures import context_budget as budget
from hub.failures.models import Failure
from hub.failures.services import context_failures
from hub.operations.models import JobLog, LogState
from hub.runs.models import Artifact, Conclusion, Job, ResultStatus, Run, TestResult

FAILED = (ResultStatus.FAILED, ResultStatus.ERROR)
FAILED_CONCLUSIONS = (Conclusion.FAILURE, Conclusion.TIMED_OUT)
MAX_RANKED = 1000  # failing results read to pick the ones shown; beyond them, in report order
PULL_REQUEST_URLS = {
    "github": ("https://github.com", "{base}/{name}/pull/{number}"),
    "gitlab": ("https://gitlab.com", "{base}/{name}/-/merge_requests/{number}"),
}
SIDE_SHARE = 0.5  # of the byte budget, at most, for the failed jobs and the artifacts
RESERVE = 512  # bytes kept free for the markers and counts written after the failures are fitted


def run_context(run: Run, artifact_url: Callable[[Artifact], str] | None = None) -> dict[str, Any]:
    """The run's failure context as plain JSON-ready data, bounded and redacted.

    ``artifact_url`` gives an artifact's download link (the API knows its routes; this layer does not).
    """
    job_ids = list(run.jobs.order_by("id").values_list("id", flat=True))
    failing = TestResult.objects.filter(job_id__in=job_ids, final=True, status__in=FAILED)
    total = failing.count()
    ranked = sorted(
        failing.select_related("test", "job", "analysis__cluster").order_by("job_id", "id")[:MAX_RANKED],
        key=context_failures.rank,
    )
    failures = context_failures.failures(ranked[: budget.MAX_FAILURES], run.project.full_name)
    document: dict[str, Any] = {
        "run": _run(run),
        "summary": _summary(run, total),
        "failures": [],
        "failures_not_shown": 0,
        "jobs": [],
        "jobs_not_shown": 0,
        "artifacts": [],
        "artifacts_not_shown": 0,
        "limits": budget.LIMITS,
    }
    document["jobs"], document["jobs_not_shown"] = _failed_jobs(run)
    document["artifacts"], document["artifacts_not_shown"] = _artifacts(run, artifact_url)
    document = redact_all(document)
    _fit_side_parts(document)
    failures = redact_all(failures)
    room = budget.MAX_BYTES - budget.size(document) - RESERVE
    shown = budget.fit(failures, room, budget.size)
    document["failures"] = failures[:shown]
    document["failures_not_shown"] = total - shown
    return document


def _fit_side_parts(document: dict[str, Any]) -> None:
    """The failed jobs, then the artifacts, in at most ``SIDE_SHARE`` of the budget; those left out are
    counted. The failing tests get the rest, so they are never crowded out by long names or logs."""
    room = int(budget.MAX_BYTES * SIDE_SHARE)
    for key in ("jobs", "artifacts"):
        items = document[key]
        shown = budget.fit(items, room, budget.size)
        room -= sum(budget.size(item) + 1 for item in items[:shown])
        document[key] = items[:shown]
        document[f"{key}_not_shown"] += len(items) - shown


def pull_request_url(run: Run) -> str:
    """The pull (merge) request's page on GitHub or GitLab (their enterprise servers too), else ""."""
    known = PULL_REQUEST_URLS.get(run.project.provider)
    if run.pull_request is None or known is None:
        return ""
    default, pattern = known
    base = (run.project.server_url or default).rstrip("/")
    return pattern.format(base=base, name=run.project.full_name, number=run.pull_request)


def _run(run: Run) -> dict[str, Any]:
    return {
        "id": run.pk,
        "project": run.project.full_name,
        "provider": run.provider,
        "provider_run_id": run.provider_run_id,
        "attempt": run.attempt,
        "workflow": run.workflow,
        "event": run.event,
        "branch": run.branch,
        "base_branch": run.base_branch or (run.project.default_branch if run.pull_request else ""),
        "commit_sha": run.commit_sha,
        "pull_request": run.pull_request,
        "pull_request_url": pull_request_url(run),
        "url": run.url,
        "status": run.status,
        "conclusion": run.conclusion,
        "counts": {
            "tests": run.tests,
            "passed": run.passed,
            "failed": run.failed,
            "errors": run.errors,
            "skipped": run.skipped,
            "flaky": run.flaky,
        },
    }


def _summary(run: Run, failing: int) -> dict[str, Any]:
    """How many failing tests, and how the analysed ones divide by category and classification."""
    analysed = list(Failure.objects.filter(run=run).values_list("category", "classification"))
    return {
        "failing_tests": failing,
        "analysed": len(analysed),
        "by_category": dict(Counter(category for category, _ in analysed).most_common()),
        "by_classification": dict(Counter(kind for _, kind in analysed if kind).most_common()),
    }


def _failed_jobs(run: Run) -> tuple[list[dict[str, Any]], int]:
    """The failed jobs with their category and log excerpt, at most ``MAX_LOG_JOBS``; how many more."""
    jobs = [
        job
        for job in run.jobs.select_related("failure", "log").order_by("id")
        if job.conclusion in FAILED_CONCLUSIONS or job.failed or job.errors
    ]
    shown = jobs[: budget.MAX_LOG_JOBS]
    return [_job(job) for job in shown], len(jobs) - len(shown)


def _job(job: Job) -> dict[str, Any]:
    failure = getattr(job, "failure", None)
    log = getattr(job, "log", None)
    return {
        "id": job.pk,
        "name": job.name,
        "url": job.url,
        "conclusion": job.conclusion,
        "failed": job.failed,
        "errors": job.errors,
        "category": failure.category if failure else None,
        "rule": failure.rule if failure else None,
        "log_state": log.state if log else None,
        "log_excerpt": _log_excerpt(log, failure.excerpt if failure and failure.source == "log" else ""),
    }


def _log_excerpt(log: JobLog | None, fallback: str) -> str:
    """The stored log's diagnosis spans, numbered as in the log (its last lines when it has none)."""
    if log is None or log.state != LogState.STORED:
        return budget.clip_lines(fallback, budget.MAX_LOG_LINES, budget.MAX_LOG_CHARS)
    lines = log.text().splitlines()
    spans = [span for span in log.spans or [] if isinstance(span, list | tuple) and len(span) == 2]
    if not spans:
        spans = [[max(1, len(lines) - budget.MAX_LOG_LINES + 1), len(lines)]]
    blocks = [
        "\n".join(
            f"{number}: {lines[number - 1]}" for number in range(max(1, first), min(last, len(lines)) + 1)
        )
        for first, last in spans
    ]
    return budget.clip_lines(
        "\n...\n".join(b for b in blocks if b), budget.MAX_LOG_LINES, budget.MAX_LOG_CHARS
    )


def _artifacts(run: Run, artifact_url: Callable[[Artifact], str] | None) -> tuple[list[dict[str, Any]], int]:
    artifacts = list(run.artifacts.select_related("job").order_by("id")[: budget.MAX_ARTIFACTS + 1])
    total = run.artifacts.count() if len(artifacts) > budget.MAX_ARTIFACTS else len(artifacts)
    shown = [
        {
            "id": artifact.pk,
            "name": artifact.name,
            "size": artifact.size,
            "job": artifact.job.name if artifact.job else None,
            "url": artifact_url(artifact) if artifact_url else "",
        }
        for artifact in artifacts[: budget.MAX_ARTIFACTS]
    ]
    return shown, total - len(shown)
