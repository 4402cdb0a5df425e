"""A person's "respond to this run now": the pipeline's decision for one run, on request, audited.

It runs the very function the pipeline runs when a run completes (``pipeline.respond``), so a request
and a webhook decide alike, and fix jobs stay keyed once per run attempt: asking twice opens nothing new
and answers with the jobs already open. Each request leaves an ``Action`` like an operator's re-run,
naming who asked and which fix jobs it found or opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from hub.operations.models import Action, ActionKind, ActionOutcome, ActionVia
from hub.response.models import FixJob
from hub.response.services import pipeline
from hub.runs.models import Run, RunStatus


class NotCompleted(ValueError):
    """The run is still going: the responders decide from a completed run's facts."""


@dataclass(frozen=True)
class Responded:
    action: Action
    fix_jobs: list[FixJob]
    opened: list[int]


def respond(run: Run, *, user: Any, via: ActionVia) -> Responded:
    """Decide for ``run`` under its project's policy now; its fix jobs, those opened now among them."""
    if run.status != RunStatus.COMPLETED:
        raise NotCompleted(
            f"run {run.pk} is {run.status.replace('_', ' ')}: the hub responds to completed runs; "
            "ask again when it completes (orchestrate ci wait)"
        )
    with transaction.atomic():
        before = set(FixJob.objects.filter(run=run).values_list("pk", flat=True))
        pipeline.respond(run)
        jobs = list(FixJob.objects.filter(run=run).select_related("project"))
        opened = sorted(job.pk for job in jobs if job.pk not in before)
        action = Action.objects.create(
            project=run.project,
            run=run,
            kind=ActionKind.RESPOND,
            via=via,
            user=user if getattr(user, "is_authenticated", False) and getattr(user, "pk", None) else None,
            actor=(getattr(user, "get_username", lambda: "")() or str(user))[:150],
            target=run.provider_run_id[:1000],
            parameters={"fix_jobs": [job.pk for job in jobs], "opened": opened},
            outcome=ActionOutcome.SUCCEEDED,
            message=_message(jobs, opened),
        )
    return Responded(action, jobs, opened)


def _message(jobs: list[FixJob], opened: list[int]) -> str:
    if not jobs:
        return "the policy opened no fix job for this run"
    return f"{len(jobs)} fix job(s), {len(opened)} opened now"
