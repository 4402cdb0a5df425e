"""The monitor: failed runs nobody reported (no webhook, no agent) found by polling the project's CI.

A poll lists the runs of the look-back window (``agent.providers.recent``, the reading ``orchestrate ci
list --status failure --since`` shows), keeps the failed ones the hub does not hold as completed, and
feeds at most ``max_failures`` of them, newest first, through ``record``, the webhooks' own path: the run
and its jobs are written keyed by (provider run id, attempt), so a run found here and later reported by a
webhook or the agent is one run; a failed job's log is fetched and categorised; the completed run is
announced once to the response engine; its report artifacts, if it kept any, are read for its test
results (``artifacts.py``). The rest wait for the next poll, which finds them unseen still.

A poll shares the project's client and its rate-limit handling: a limit that does not reset within
``PROVIDER_MAX_RATE_LIMIT_WAIT`` stops the poll (what was fed stays fed) and the next one resumes. The
sweep polls the due projects, claimed with a guarded update so two workers never poll one project at once,
and stops within half of ``Q_TIMEOUT``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from agent.lookback import parse_lookback
from agent.providers import Provider, ProviderError, RunInfo
from agent.providers.circleci import WORKFLOW_STATUSES
from agent.providers.circleci import state as circleci_state
from agent.providers.recent import FAILED, recent_runs
from hub.integrations.clients import PROVIDER_NAMES, client_for
from hub.operations.models import Monitor
from hub.operations.services.artifacts import read_run_artifacts
from hub.operations.services.reconcile import provider_fields
from hub.projects.models import Project
from hub.runs.models import Run, RunStatus
from hub.webhooks.services.record import record

log = logging.getLogger(__name__)

SCAN = 100  # runs listed per poll at most (a page on GitHub and GitLab), before the window's filters
MAX_ERROR = 1000
SWEEP_SHARE_OF_TIMEOUT = 0.5


@dataclass(frozen=True)
class Window:
    """What one poll looks at: how far back, which workflow and branch, how many failures it feeds."""

    lookback: timedelta
    workflow: str = ""
    branch: str = ""
    max_failures: int = 10

    @classmethod
    def of(cls, monitor: Monitor) -> Window:
        return cls(
            lookback=parse_lookback(monitor.lookback),
            workflow=monitor.workflow_filter,
            branch=monitor.branch_filter,
            max_failures=monitor.max_failures,
        )


@dataclass
class Poll:
    """What one poll of one project came to."""

    project: str
    failed: int = 0  # failed runs in the window (as the hub identifies runs)
    seen: int = 0  # of them, the ones the hub already held as completed
    fed: list[int] = field(default_factory=list)  # the runs written, by primary key
    left: int = 0  # unseen failed runs past max_failures, for the next poll
    results: int = 0  # test results read from the fed runs' report artifacts
    refused: list[str] = field(default_factory=list)  # artifacts or report files not read, with why
    error: str = ""

    def line(self) -> str:
        text = (
            f"{self.project}: {self.failed} failed run(s) in the window, {self.seen} already known, "
            f"{len(self.fed)} fed, {self.left} left for the next poll, {self.results} test result(s) "
            "from artifacts"
        )
        if self.refused:
            text += f"; not read: {'; '.join(self.refused)}"
        return f"{text}; stopped: {self.error}" if self.error else text


def failed_identities(client_name: str, run: RunInfo) -> list[tuple[str, int]]:
    """The (run id, attempt) pairs under which the hub keeps a failed run the client listed. A CircleCI
    pipeline holds workflows, and the hub (its webhooks, the agent) keeps each workflow as a run, attempt 1;
    elsewhere the listed run is the hub's run."""
    if client_name != "circleci":
        return [(run.id, run.attempt)]
    workflows = run.raw.get("workflows") or []
    return [
        (str(w["id"]), 1)
        for w in workflows
        if w.get("id") and circleci_state(WORKFLOW_STATUSES, w.get("status"))[1] in FAILED
    ]


def unseen(identities: Sequence[tuple[str, int]], known: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """The identities not in ``known``, in order, each once."""
    done = set(known)
    found: list[tuple[str, int]] = []
    for identity in identities:
        if identity not in done:
            done.add(identity)
            found.append(identity)
    return found


def is_due(polled_at: datetime | None, interval_minutes: int, now: datetime) -> bool:
    return polled_at is None or polled_at + timedelta(minutes=interval_minutes) <= now


def poll(project: Project, window: Window, *, now: datetime | None = None, **client_options: Any) -> Poll:
    """One poll of ``project``'s CI over ``window``; errors end it and are returned, not raised."""
    result = Poll(project.full_name)
    now = now or timezone.now()
    try:
        overrides = {"max_download_bytes": settings.MONITOR_ARTIFACT_MAX_BYTES}  # report artifacts
        client = client_for(project, config_overrides=overrides, **client_options)
        _poll(project, client, window, now, result)
    except ProviderError as exc:
        result.error = str(exc)[:MAX_ERROR]
    except (KeyError, TypeError, ValueError) as exc:  # an answer not shaped as the client expects
        result.error = f"unexpected answer from the provider ({type(exc).__name__}: {exc})"[:MAX_ERROR]
    if result.error:
        log.warning("monitor of %s: %s", project.full_name, result.error)
    return result


def _poll(project: Project, client: Provider, window: Window, now: datetime, result: Poll) -> None:
    listed = recent_runs(
        client,
        since=now - window.lookback,
        status="failure",
        workflow=window.workflow or None,
        branch=window.branch or None,
        limit=SCAN,
        scan=SCAN,
    )
    name = PROVIDER_NAMES[project.provider]
    identities = [identity for run in listed for identity in failed_identities(name, run)]
    known = Run.objects.filter(
        project=project,
        status=RunStatus.COMPLETED,
        provider_run_id__in=[run_id for run_id, _ in identities],
    ).values_list("provider_run_id", "attempt")
    todo = unseen(identities, known)
    result.failed = len(set(identities))
    result.seen = result.failed - len(todo)
    result.left = len(todo)
    for run_id, _ in todo[: window.max_failures]:
        fields, jobs = provider_fields(project, client.get_run(run_id))
        run, _ = record(project, fields, jobs)
        result.fed.append(run.pk)
        result.left -= 1
        read = read_run_artifacts(client, run)
        result.results += read.results
        result.refused += read.refused


def poll_monitor(monitor: Monitor, *, now: datetime | None = None, **client_options: Any) -> Poll | None:
    """Poll ``monitor``'s project if no one else claimed it since it was read; note the outcome on it."""
    now = now or timezone.now()
    claimed = Monitor.objects.filter(pk=monitor.pk, polled_at=monitor.polled_at).update(polled_at=now)
    if not claimed:
        return None  # another worker polls it now
    result = poll(monitor.project, Window.of(monitor), now=now, **client_options)
    Monitor.objects.filter(pk=monitor.pk).update(last_fed=len(result.fed), last_error=result.error)
    return result


def due(now: datetime | None = None) -> list[Monitor]:
    """Enabled monitors whose interval has passed, those polled longest ago first."""
    now = now or timezone.now()
    monitors = Monitor.objects.filter(enabled=True).select_related("project").order_by("polled_at", "pk")
    return [m for m in monitors if is_due(m.polled_at, m.interval_minutes, now)]


def sweep(
    now: datetime | None = None, clock: Callable[[], float] = time.monotonic, **client_options: Any
) -> list[Poll]:
    """Poll every due project once, within half of ``Q_TIMEOUT``; the rest are due next sweep."""
    deadline = clock() + settings.Q_TIMEOUT * SWEEP_SHARE_OF_TIMEOUT
    polls = []
    for monitor in due(now):
        if clock() > deadline:
            break
        result = poll_monitor(monitor, now=now, **client_options)
        if result is not None:
            polls.append(result)
    return polls
