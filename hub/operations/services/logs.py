"""A failed job's log: fetched from its provider once, kept compressed and bounded, and categorised.

Failures that produce no test report (a dependency that does not resolve, a lint step, a runner that
died) are only visible in the log, so when a webhook (or the reconciler) first sees a job complete with a
failure, the task ``hub.webhooks.tasks.job_failed`` calls ``fetch_job_log``. It:

1. claims the job's ``JobLog`` row (created once per job; a second call finds it and does nothing, unless
   an earlier fetch failed transiently or its worker died mid-fetch);
2. reads the log's tail through the project's client, at most ``JOB_LOG_MAX_BYTES`` (the end of a log is
   where its error is), and stores it gzip-compressed in the row;
3. diagnoses it as ``orchestrate diagnose`` does (``hub.failures.services.log_diagnosis``): the lines
   that explain the failure, kept as ``spans`` for people and the excerpt, compared with the log of the
   last passing run of the same job when there is one (fetched and kept the first time it is needed,
   ``baseline_log``), and the category the project's rules give those lines;
4. writes the job's ``JobFailure`` with ``source=log``, unless the job already has one from its test
   results with a known category. Test results win because they name the failing test and its own
   message. A tests-based ``unknown`` is replaced: the log then knows more (the rule lives in
   ``hub.failures.services.job_failure``, which the test-result analysis writes through too);
5. announces ``job_log.stored`` in that transaction: a lint job's category is often known only now, after
   its run completed (the fetch is a task of its own, and GitHub does not order its deliveries), so the
   apps that respond to red runs look at the run again.

No log body and no token is ever logged; errors keep the provider's message only.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from agent.providers import AuthenticationError, NotFoundError, ProviderError, UnsupportedOperation
from hub.failures.models import JobFailure
from hub.failures.services import job_failure
from hub.failures.services.log_diagnosis import diagnose_log
from hub.failures.services.rules import rules_for
from hub.integrations.clients import ClientUnavailable, client_for
from hub.operations.models import JobLog, LogState
from hub.outbox.services.announce import announce
from hub.projects.models import Provider as ProjectProvider
from hub.runs.models import Conclusion, Job, Run, RunStatus
from hub.runs.services.state import FAILED_CONCLUSIONS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # fetches of one log before it is given up as unavailable
MAX_ERROR = 1000
# Errors a later attempt would meet again: the log is marked unavailable at once.
PERMANENT = (ClientUnavailable, NotFoundError, UnsupportedOperation)
CUT_MARK = "[... "  # how the clients start a log whose head they cut (agent.providers.http.tail_text)
JOB_LOG_STORED = "job_log.stored"  # announced with the job's id, once, when its log is stored and categorised


def fetch_job_log(job_id: int, *, requested: bool = False) -> JobLog | None:
    """Fetch, store and categorise the log of failed job ``job_id`` once; None when there is nothing to
    do (no such job, not failed, already fetched or being fetched).

    ``requested``: a person asked to read the log (the dashboard's log viewer), so any completed job's
    log is fetched and stored the same way; only a failed job's is diagnosed and categorised."""
    job = Job.objects.select_related("run__project").filter(pk=job_id).first()
    failed = job is not None and job.conclusion in FAILED_CONCLUSIONS
    if job is None or not (failed or (requested and job.status == RunStatus.COMPLETED)):
        return None
    job_log = _claim(job)
    if job_log is None:
        return None
    project = job.run.project
    try:
        reference = log_reference(job)
        client = client_for(project)
        text = client.job_log(reference, max_bytes=settings.JOB_LOG_MAX_BYTES)
    except ProviderError as error:
        permanent = isinstance(error, PERMANENT) or (
            isinstance(error, AuthenticationError) and job_log.attempts >= MAX_ATTEMPTS
        )
        return _failed(job_log, str(error), permanent or job_log.attempts >= MAX_ATTEMPTS)
    content, truncated = bounded(text, settings.JOB_LOG_MAX_BYTES)
    if not failed:
        return _stored(job_log, content, truncated)
    kept = content.decode("utf-8", errors="replace")
    baseline = baseline_log(job, client)
    match = diagnose_log(rules_for(project), kept, baseline.text() if baseline else None)
    with transaction.atomic():
        JobLog.objects.filter(pk=job_log.pk).update(
            state=LogState.STORED,
            content=JobLog.compress(content),
            size=len(content),
            truncated=truncated,
            error="",
            fetched_at=timezone.now(),
            spans=match.spans,
            baseline=baseline,
        )
        _write_failure(job, match.category, match.rule, match.excerpt)
        announce(JOB_LOG_STORED, job.pk)
    log.info("job %s: log stored (%s bytes), category %s", job.pk, len(content), match.category)
    job_log.refresh_from_db()
    return job_log


def _stored(job_log: JobLog, content: bytes, truncated: bool) -> JobLog:
    """Keep a log that explains no failure (a passing job's, asked for by a reader): no diagnosis."""
    JobLog.objects.filter(pk=job_log.pk).update(
        state=LogState.STORED,
        content=JobLog.compress(content),
        size=len(content),
        truncated=truncated,
        error="",
        fetched_at=timezone.now(),
    )
    log.info("job %s: log stored on request (%s bytes)", job_log.job_id, len(content))
    job_log.refresh_from_db()
    return job_log


def baseline_log(job: Job, client) -> JobLog | None:
    """The log of the last passing run of the same job (its branch's, else the default branch's), fetched
    and kept the first time a failure needs it; None when there is none or it cannot be had. Lines the
    passing log printed too do not explain the failure (``agent.diagnosis``)."""
    passing = _last_passing(job)
    if passing is None:
        return None
    stored = JobLog.objects.filter(job=passing, state=LogState.STORED).first()
    if stored is not None:
        return stored
    try:
        text = client.job_log(log_reference(passing), max_bytes=settings.JOB_LOG_MAX_BYTES)
    except ProviderError as error:
        log.info("job %s: no baseline log from job %s: %s", job.pk, passing.pk, str(error)[:MAX_ERROR])
        return None
    content, truncated = bounded(text, settings.JOB_LOG_MAX_BYTES)
    stored, _ = JobLog.objects.get_or_create(
        job=passing,
        defaults={
            "state": LogState.STORED,
            "content": JobLog.compress(content),
            "size": len(content),
            "truncated": truncated,
            "attempts": 1,
            "fetched_at": timezone.now(),
        },
    )
    return stored if stored.state == LogState.STORED else None


BASELINE_RUNS = 50  # recent runs of a branch searched for a passing run of the same job


def _last_passing(job: Job) -> Job | None:
    run = job.run
    for branch in dict.fromkeys(b for b in (run.branch, run.project.default_branch) if b):
        recent = Run.objects.filter(project_id=run.project_id, branch=branch).order_by("-created_at")
        passing = (
            Job.objects.filter(
                run__in=recent.values("pk")[:BASELINE_RUNS], name=job.name, conclusion=Conclusion.SUCCESS
            )
            .exclude(provider_job_id="", url="")
            .order_by("-created_at", "-pk")
            .first()
        )
        if passing is not None:
            return passing
    return None


def log_reference(job: Job) -> str:
    """What the provider's ``job_log`` takes for this job: its id, or CircleCI's job number (which its
    webhooks give only in the job's URL)."""
    if job.run.project.provider == ProjectProvider.CIRCLECI:
        number = job.url.rstrip("/").rsplit("/jobs/", 1)[-1] if "/jobs/" in job.url else ""
        if number.isdigit():
            return number
    elif job.provider_job_id:
        return job.provider_job_id
    raise UnsupportedOperation(
        f"the provider's id of job {job.name!r} is unknown",
        "the hub learns it from the CI's webhooks; a job known only from reports has no log to fetch",
    )


def bounded(text: str, limit: int) -> tuple[bytes, bool]:
    """The text's last ``limit`` bytes, from a whole line when cut; and whether anything was cut."""
    data = text.encode("utf-8", errors="replace")
    truncated = text.startswith(CUT_MARK)
    if len(data) > limit:
        data = data[-limit:]
        newline = data.find(b"\n")
        if 0 <= newline < len(data) - 1:
            data = data[newline + 1 :]
        truncated = True
    return data, truncated


def retry_failed(limit: int) -> int:
    """Fetch again the logs whose last fetch failed transiently or whose worker died (the reconciler
    calls this)."""
    ids = list(
        JobLog.objects.filter(_retriable(timezone.now()))
        .order_by("claimed_at")
        .values_list("job_id", flat=True)[:limit]
    )
    for job_id in ids:
        fetch_job_log(job_id)
    return len(ids)


def _claim(job: Job) -> JobLog | None:
    """The job's log row, claimed for this fetch; None when it is stored, unavailable or being fetched."""
    now = timezone.now()
    try:
        with transaction.atomic():
            return JobLog.objects.create(job=job, state=LogState.FETCHING, attempts=1, claimed_at=now)
    except IntegrityError:
        pass
    claimed = JobLog.objects.filter(_retriable(now), job=job).update(
        state=LogState.FETCHING, attempts=F("attempts") + 1, claimed_at=now
    )
    return JobLog.objects.get(job=job) if claimed == 1 else None


def _retriable(now) -> Q:
    """Log records another fetch may claim: failed transiently, or claimed by a worker that died (its
    task would have been handed on after ``Q_RETRY``), within ``MAX_ATTEMPTS``."""
    abandoned = now - timedelta(seconds=settings.Q_RETRY)
    return Q(attempts__lt=MAX_ATTEMPTS) & (
        Q(state=LogState.FAILED) | Q(state=LogState.FETCHING, claimed_at__lt=abandoned)
    )


def _failed(job_log: JobLog, error: str, permanent: bool) -> JobLog:
    state = LogState.UNAVAILABLE if permanent else LogState.FAILED
    JobLog.objects.filter(pk=job_log.pk).update(state=state, error=error[:MAX_ERROR])
    log.warning("job %s: log not fetched (%s): %s", job_log.job_id, state, error[:MAX_ERROR])
    job_log.refresh_from_db()
    return job_log


def _write_failure(job: Job, category: str, rule: str, excerpt: str) -> None:
    job_failure.write(job.pk, source=JobFailure.Source.LOG, category=category, rule=rule, excerpt=excerpt)
