"""Runs that only the agent reported reach a conclusion: the idle sweep.

A run described by its CI provider (a webhook, or reconciliation through its API: ``Run.from_provider``)
is completed by the provider's word. A run reported only by the agent (``orchestrate report`` on a laptop,
or on a CI the hub gets no events from) has nobody to say it ended, so it would stay in progress forever.
The agent says when its job finished (``orchestrate report --job-finished``); once every job of such a run
has finished and nothing (no report, no artifact, no change to the run) has arrived for
``RUN_IDLE_COMPLETE_SECONDS``, the sweep completes it. Each job without a conclusion is concluded from its
results, and the run from its jobs (``state.conclude_job`` / ``conclude_run``: failure if any failed).

Completion goes through ``ingest.upsert_job`` / ``upsert_run``, the path of reports and webhooks, so state
only moves forward and ``run.completed`` is announced as for any run. Each run is re-checked under the
project's lock, inside the transaction that completes it, so a report landing meanwhile keeps it open.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from hub.runs.models import Artifact, Job, Run, RunStatus, Upload
from hub.runs.services import ingest, load, state

log = logging.getLogger(__name__)

UNFINISHED = (RunStatus.QUEUED, RunStatus.IN_PROGRESS)
BATCH = 200  # runs completed per pass; the next pass takes the rest


def idle_runs(now: datetime | None = None) -> QuerySet[Run]:
    """Unfinished runs no provider described, whose jobs have all finished, with nothing arrived for
    ``RUN_IDLE_COMPLETE_SECONDS``; the longest idle first."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.RUN_IDLE_COMPLETE_SECONDS)
    jobs = Job.objects.filter(run=OuterRef("pk"))
    return (
        Run.objects.filter(status__in=UNFINISHED, from_provider=False, updated_at__lt=cutoff)
        .filter(Exists(jobs))
        .exclude(Exists(jobs.filter(status__in=UNFINISHED)))
        .exclude(Exists(Upload.objects.filter(run=OuterRef("pk"), received_at__gte=cutoff)))
        .exclude(Exists(Artifact.objects.filter(run=OuterRef("pk"), created_at__gte=cutoff)))
        .order_by("updated_at", "id")
    )


def complete_idle_runs(now: datetime | None = None, limit: int = BATCH) -> int:
    """One pass of the sweep; returns how many runs it completed. Off when the setting is 0."""
    if not settings.RUN_IDLE_COMPLETE_SECONDS:
        return 0
    now = now or timezone.now()
    run_ids = list(idle_runs(now).values_list("id", flat=True)[:limit])
    completed = sum(complete_if_idle(run_id, now) for run_id in run_ids)
    if completed:
        log.info("completed %d idle run(s) that no provider described", completed)
    return completed


def complete_if_idle(run_id: int, now: datetime) -> bool:
    """Complete run ``run_id`` if it is still idle under the project's lock; True when it was."""
    with transaction.atomic():
        project_id = Run.objects.filter(pk=run_id).values_list("project_id", flat=True).first()
        if project_id is None:
            return False
        load.lock_project(project_id)
        run = idle_runs(now).filter(pk=run_id).select_related("project").first()
        if run is None:
            return False
        conclusions, finish_times = [], []
        for job in run.jobs.annotate(last_upload=Max("uploads__received_at")):
            conclusion = state.conclude_job(job.conclusion, job.failed, job.errors)
            finished = job.finished_at or job.last_upload or job.created_at  # the job's last sign of life
            fields = {"name": job.name, "provider_job_id": job.provider_job_id}
            ingest.upsert_job(run, {**fields, "conclusion": conclusion, "finished_at": finished})
            conclusions.append(conclusion)
            finish_times.append(finished)
        key = {"provider": run.provider, "provider_run_id": run.provider_run_id, "attempt": run.attempt}
        outcome = {"conclusion": state.conclude_run(conclusions), "finished_at": max(finish_times)}
        ingest.upsert_run(run.project, {**key, "status": RunStatus.COMPLETED, **outcome})
    return True
