"""Reconciliation: runs the hub still believes queued or in progress, checked against the provider.

Webhooks can be lost (GitHub does not redeliver a failed delivery by itself), so a run can stay "in
progress" in the hub long after it ended. Every ``RECONCILE_EVERY_MINUTES`` a pass takes the runs that
have not changed for ``RECONCILE_AFTER_MINUTES``, at most ``RECONCILE_BATCH`` of them, those checked
longest ago first (``RunCheck``), asks the provider for each (``get_run``) and writes its answer through
the same ``record`` the webhooks use: state only moves forward, a job that completes with a failure has
its log fetched, and a second pass over the same answer changes nothing. What the webhooks keep queued
though the client calls it finished (a run waiting for approval, a manual job: ``held`` in each provider's
webhook module) stays queued here too.

Projects without a provider token (or on a CI the hub has no client for) are left out by the query. A
project whose token is refused or whose rate limit is spent is skipped for the rest of the pass.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from agent.providers import (
    AuthenticationError,
    JobInfo,
    Provider,
    ProviderError,
    RateLimitedError,
    RunInfo,
    RunStatus,
)
from hub.integrations.clients import PROVIDER_NAMES, ClientUnavailable, client_for
from hub.operations.models import RunCheck
from hub.projects.models import Project
from hub.runs.models import Run
from hub.webhooks.services import circleci, github, gitlab
from hub.webhooks.services.record import record

log = logging.getLogger(__name__)

UNFINISHED = (RunStatus.QUEUED, RunStatus.IN_PROGRESS)
# Errors about the project as a whole: its other runs would get the same answer in this pass.
PROJECT_ERRORS = (AuthenticationError, RateLimitedError, ClientUnavailable)
MAX_ERROR = 1000
PASS_SHARE_OF_TIMEOUT = 0.5
# client name -> whether a run or job the client read is one the webhooks keep queued
HELD: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "github": github.held,
    "gitlab": gitlab.held,
    "circleci": circleci.held,
}


@dataclass
class Summary:
    checked: int = 0
    advanced: int = 0
    failed: int = 0
    skipped_projects: set[str] = field(default_factory=set)
    out_of_time: bool = False


def stale_runs(now: datetime | None = None, limit: int | None = None) -> QuerySet[Run]:
    """Unfinished runs unchanged for ``RECONCILE_AFTER_MINUTES`` and not checked since, of projects with
    a provider token, least recently checked first."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=settings.RECONCILE_AFTER_MINUTES)
    runs = (
        Run.objects.filter(
            status__in=UNFINISHED,
            updated_at__lt=cutoff,
            project__provider__in=list(PROVIDER_NAMES),
            project__integration__isnull=False,
        )
        .exclude(project__integration__api_token_encrypted="")
        .filter(Q(reconciliation__isnull=True) | Q(reconciliation__checked_at__lt=cutoff))
        .select_related("project")
        .order_by(F("reconciliation__checked_at").asc(nulls_first=True), "updated_at", "id")
    )
    return runs[: limit or settings.RECONCILE_BATCH]


def reconcile(
    now: datetime | None = None,
    limit: int | None = None,
    clock: Callable[[], float] = time.monotonic,
    **client_options: Any,
) -> Summary:
    """One pass, bounded in runs (``RECONCILE_BATCH``) and in time (half of ``Q_TIMEOUT``, so a slow or
    unreachable provider cannot keep the task running until it is killed); ``client_options`` go to the
    clients (tests pass ``sleep``)."""
    summary = Summary()
    clients: dict[int, Provider] = {}
    deadline = clock() + settings.Q_TIMEOUT * PASS_SHARE_OF_TIMEOUT
    for run in list(stale_runs(now, limit)):
        if clock() > deadline:
            summary.out_of_time = True
            break
        if run.project.full_name in summary.skipped_projects:
            continue
        summary.checked += 1
        error = ""
        try:
            client = clients.get(run.project_id) or client_for(run.project, **client_options)
            clients[run.project_id] = client
            if reconcile_run(run, client.get_run(run.provider_run_id)):
                summary.advanced += 1
        except PROJECT_ERRORS as exc:
            summary.skipped_projects.add(run.project.full_name)
            error = str(exc)
        except ProviderError as exc:
            error = str(exc)
        except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped as the client expects
            error = f"unexpected answer from the provider ({type(exc).__name__}: {exc})"
        if error:
            summary.failed += 1
            log.warning("reconciling run %s of %s: %s", run.pk, run.project.full_name, error)
        _checked(run, error)
    return summary


def reconcile_run(run: Run, info: RunInfo) -> bool:
    """Write what the provider says about ``run``; True when the run's state moved."""
    key = {"provider": run.provider, "provider_run_id": run.provider_run_id, "attempt": run.attempt}
    if info.attempt > run.attempt:
        # A newer attempt exists, so this one ended (a re-run starts after the run completes); the
        # provider's answer describes the newer attempt only, so this one's conclusion stays unknown.
        fields: dict[str, Any] = {**key, "status": RunStatus.COMPLETED}
        jobs: list[dict[str, Any]] = []
    elif info.attempt < run.attempt:
        return False
    else:
        fields, jobs = provider_fields(run.project, info, key)
    before = run.status
    found, _ = record(run.project, fields, jobs)
    return found.status != before


def provider_fields(
    project: Project, info: RunInfo, key: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What a client's ``info`` says of a run and its jobs, as ``record`` takes it (the webhooks' keys);
    ``key`` is the run's identity, by default the one ``info`` names. The monitor writes runs it found
    with it too."""
    key = key or {"provider": project.provider, "provider_run_id": info.id, "attempt": info.attempt}
    held = HELD.get(PROVIDER_NAMES.get(project.provider, ""), _never)
    state = _state(info, held)
    fields = {
        **key,
        **state,
        "started_at": info.created_at,
        "finished_at": info.updated_at if state["status"] == RunStatus.COMPLETED else None,
        "workflow": info.workflow[:1000],
        "event": info.event[:100],
        "branch": info.branch[:500],
        "commit_sha": info.commit_sha[:64].lower(),
        "url": info.url[:2000],
    }
    jobs = [
        {
            "name": job.name[:1000],
            "provider_job_id": job.id[:200],
            "url": job.url[:2000],
            **_state(job, held),
            "started_at": job.started_at,
            "finished_at": job.completed_at,
        }
        for job in info.jobs
        if job.name
    ]
    return fields, jobs


def _state(item: RunInfo | JobInfo, held: Callable[[Mapping[str, Any]], bool]) -> dict[str, str | None]:
    """The client's status and conclusion, but queued, as the webhooks keep it, while it can still start."""
    if held(item.raw):
        return {"status": RunStatus.QUEUED.value, "conclusion": None}
    return {"status": item.status, "conclusion": item.conclusion}


def _never(raw: Mapping[str, Any]) -> bool:
    return False


def _checked(run: Run, error: str) -> None:
    RunCheck.objects.update_or_create(
        run=run,
        defaults={"checked_at": timezone.now(), "checks": F("checks") + 1, "error": error[:MAX_ERROR]},
        create_defaults={"checked_at": timezone.now(), "checks": 1, "error": error[:MAX_ERROR]},
    )
