"""Where every provider's events land: runs and jobs created or moved forward, pull requests noted.

Provider modules translate their payloads into the hub's vocabulary (plain dicts with the keys of
``hub.runs.services.ingest.upsert_run`` / ``upsert_job``); this module writes them through the same
functions the agent's reports use, so a webhook and a report about one run meet in one ``Run`` and its
state only moves forward whatever the order of arrival.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hub.outbox.services.live import changed
from hub.projects.models import Project
from hub.runs.models import Job, Run, RunStatus
from hub.runs.services import ingest, load
from hub.runs.services.state import FAILED_CONCLUSIONS

log = logging.getLogger(__name__)

RUN_MOVED = "run.moved"  # a provider's event about a run or its jobs was recorded


def record(
    project: Project, run: dict[str, Any], jobs: Sequence[dict[str, Any]] = ()
) -> tuple[Run, list[Job]]:
    """Create or advance ``run`` and its ``jobs`` in one transaction; hand newly completed jobs on."""
    with transaction.atomic():
        load.lock_project(project.pk)
        found = ingest.upsert_run(project, run, from_provider=True)
        written = []
        for fields in jobs:
            known = ingest.find_job(found, fields)  # by provider job id first, as upsert_job meets it
            before = known.status if known is not None else None
            job = ingest.upsert_job(found, fields)
            if before != RunStatus.COMPLETED and job.status == RunStatus.COMPLETED:
                on_job_completed(job)
            written.append(job)
        changed(RUN_MOVED, project.pk, run_id=found.pk)
    return found, written


def on_job_completed(job: Job) -> None:
    """Called once, inside the transaction, when a webhook first shows ``job`` completed.

    The seam for what follows a job's end: today a failed job is handed to the task
    ``hub.webhooks.tasks.job_failed`` (after commit), where its log is to be fetched and analysed.
    """
    if job.conclusion in FAILED_CONCLUSIONS:
        job_id = job.pk
        transaction.on_commit(lambda: _enqueue_job_failed(job_id))


def _enqueue_job_failed(job_id: int) -> None:
    from django_q.tasks import async_task

    async_task("hub.webhooks.tasks.job_failed", job_id, task_name=f"job-failed-{job_id}")


def note_pull_request(
    project: Project, commit_sha: str, number: int | None, base_branch: str = "", branch: str = ""
) -> int:
    """Fill the pull request, base and head branch on this project's runs of ``commit_sha`` where unknown.

    Returns how many run fields were filled. Runs that arrive later carry their own pull request
    (GitHub's workflow_run lists it; the agent reads it from the CI).
    """
    sha = (commit_sha or "").lower()
    if not sha:
        return 0
    runs = Run.objects.filter(project=project, commit_sha=sha)
    changed = 0
    with transaction.atomic():
        if number:
            changed += runs.filter(pull_request__isnull=True).update(
                pull_request=number, updated_at=timezone.now()
            )
        if base_branch:
            changed += runs.filter(base_branch="").update(base_branch=base_branch, updated_at=timezone.now())
        if branch:
            changed += runs.filter(branch="").update(branch=branch, updated_at=timezone.now())
    return changed


def parse_time(value: Any) -> datetime | None:
    """ISO 8601, or GitLab's older ``2016-08-12 15:23:28 UTC``; anything else is unknown (None)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(" UTC"):
        text = text[:-4] + "+00:00"
    try:
        parsed = parse_datetime(text)
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.UTC)


def text(value: Any, limit: int) -> str:
    """A string field bounded to its column, or "" when absent or not text."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float):
        value = str(value)
    return value[:limit] if isinstance(value, str) else ""


def positive_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
