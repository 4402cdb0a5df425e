"""Fix jobs' workflow: open one once, move it through the state machine, do it with bounded attempts.

``transition`` is the one way a job changes state: ``UPDATE ... WHERE state IN (allowed)`` from the table
in ``machine.py``, a timeline event written in the same transaction only when the update hit the row.
``perform`` (the task) claims a due job with a lease, asks its responder to act outside any transaction,
and records the outcome; an error leaves it pending with a backoff (doubling, with jitter, never shorter
than a service's ``Retry-After`` raised as ``effects.RetryLater``) until ``max_attempts``, then dead with
its last error. ``resume`` (every minute) hands due jobs to the queue
again, takes back jobs whose worker was lost, and fails jobs whose effect's outcome never came (a re-run
that did not complete within the policy's ``rerun.verify_within_minutes``): nothing else would ever
settle them. Operators ``retry`` (attempts start over) or ``cancel``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from hub.outbox.services.live import changed
from hub.response import machine
from hub.response.models import FixJob, FixJobEvent, FixState
from hub.response.responders import responder_for
from hub.response.services import effects

log = logging.getLogger(__name__)

MAX_ERROR = 2000


FIX_JOB_MOVED = "fix_job.moved"  # announced to open pages whenever a fix job changes state


def lease() -> timedelta:
    """How long a worker holds an attempt (``FIX_JOB_LEASE_SECONDS``, longer than the task timeout)."""
    return timedelta(seconds=settings.FIX_JOB_LEASE_SECONDS)


def hold(job: FixJob) -> bool:
    """Hold a job awaiting verification for one settling worker at a time (two deliveries of one run
    may both reach a task); False when another worker holds it. ``release`` gives it back."""
    now = timezone.now()
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    held = FixJob.objects.filter(free, pk=job.pk, state=FixState.AWAITING_VERIFICATION)
    return bool(held.update(claimed_until=now + lease()))


def release(job: FixJob) -> None:
    FixJob.objects.filter(pk=job.pk).update(claimed_until=None)


@dataclass(frozen=True)
class Outcome:
    """What a responder's act or verify came to: the state to move to, why, and what it saw."""

    state: str
    reason: str
    detail: dict[str, Any] = field(default_factory=dict)


def transition(
    job: FixJob,
    to: str,
    reason: str,
    *,
    detail: dict | None = None,
    actor: str = "",
    guard: Q | None = None,
    **changes: Any,
) -> bool:
    """Move ``job`` to ``to`` if its current state allows it (and ``guard`` holds); True when this call
    moved it. ``changes`` are written in the same guarded update."""
    allowed = machine.ALLOWED[to]
    with transaction.atomic():
        current = FixJob.objects.filter(pk=job.pk).values_list("state", flat=True).first()
        moved = FixJob.objects.filter(guard or Q(), pk=job.pk, state__in=allowed).update(
            state=to, updated_at=timezone.now(), **changes
        )
        if moved:
            FixJobEvent.objects.create(
                fix_job_id=job.pk, from_state=current or "", to_state=to, reason=reason,
                detail=detail or {}, actor=actor[:150],
            )  # fmt: skip
            changed(FIX_JOB_MOVED, job.project_id, run_id=job.run_id, fix_job_id=job.pk)
    if moved:
        job.state = to
    return bool(moved)


def open_job(
    project_id: int, responder: str, key: str, reason: str, detail: dict | None = None, **about: Any
) -> FixJob | None:
    """Open the fix job keyed ``key`` unless one exists (however often asked); dispatched after commit.
    Returns the new job, or None when the key was taken."""
    try:
        with transaction.atomic():
            job = FixJob.objects.create(
                project_id=project_id, responder=responder, key=key[:300], reason=reason,
                max_attempts=settings.FIX_JOB_MAX_ATTEMPTS, **about,
            )  # fmt: skip
            FixJobEvent.objects.create(
                fix_job=job, to_state=FixState.PENDING, reason=reason, detail=detail or {}
            )
    except IntegrityError:
        return None  # a replayed upload, a redelivered webhook: the job was opened the first time
    job_id = job.pk
    transaction.on_commit(lambda: dispatch([job_id]))
    return job


def dispatch(job_ids: Iterable[int]) -> None:
    """Hand jobs to the task queue (the resume pass catches whatever it loses)."""
    from django_q.tasks import async_task

    for job in FixJob.objects.filter(pk__in=list(job_ids), state__in=(FixState.PENDING, FixState.DISPATCHED)):
        if job.state == FixState.PENDING:
            transition(job, FixState.DISPATCHED, "handed to the task queue")
        else:
            FixJob.objects.filter(pk=job.pk).update(updated_at=timezone.now())  # handed again, not lost
        async_task("hub.response.tasks.perform", job.pk, task_name=f"fix-job-{job.pk}")


def perform(job_id: int) -> str:
    """Do fix job ``job_id`` if it is due and nobody holds it; return its state afterwards."""
    job = FixJob.objects.select_related("project", "run").filter(pk=job_id).first()
    if job is None:
        return "missing"
    now = timezone.now()
    claimed = transition(job, FixState.RUNNING, "taken by a worker", guard=Q(next_attempt_at__lte=now),
                         claimed_until=now + lease(), attempts=F("attempts") + 1)  # fmt: skip
    if not claimed:
        return FixJob.objects.filter(pk=job_id).values_list("state", flat=True).first() or "missing"
    job.refresh_from_db(fields=["attempts"])
    try:
        outcome = responder_for(job.responder).act(job)
    except Exception as exc:
        log.exception("fix job %s (%s) failed", job.pk, job.key)
        wait = timedelta(seconds=exc.seconds) if isinstance(exc, effects.RetryLater) else timedelta(0)
        return _failed_attempt(job, f"{type(exc).__name__}: {exc}", wait=wait)
    transition(job, outcome.state, outcome.reason, detail=outcome.detail, claimed_until=None, last_error="")
    return job.state


def _failed_attempt(
    job: FixJob, error: str, now: datetime | None = None, *, wait: timedelta = timedelta(0)
) -> str:
    now = now or timezone.now()
    error = error[:MAX_ERROR]
    if job.attempts >= job.max_attempts:
        transition(job, FixState.DEAD, f"{job.attempts} attempts failed; the last: {error}",
                   claimed_until=None, last_error=error)  # fmt: skip
        return job.state
    due = now + max(machine.backoff(job.attempts, settings.FIX_JOB_BACKOFF_SECONDS), wait)
    transition(job, FixState.PENDING, f"attempt {job.attempts} failed: {error}; next at {due:%H:%M:%S}",
               detail={"next_attempt_at": due.isoformat()}, claimed_until=None, last_error=error,
               next_attempt_at=due)  # fmt: skip
    return job.state


def verify(job: FixJob, outcome: Outcome) -> bool:
    """Record what came of a job whose effect was awaited (a re-run attempt's conclusion)."""
    return transition(job, outcome.state, outcome.reason, detail=outcome.detail)


def note(job: FixJob, reason: str, detail: dict | None = None) -> None:
    """A timeline line without a move: something the job's outside effect did meanwhile (the pull
    request its fix workflow opened), written at the state the job is in."""
    current = FixJob.objects.filter(pk=job.pk).values_list("state", flat=True).first()
    if current is not None:
        FixJobEvent.objects.create(
            fix_job_id=job.pk, from_state=current, to_state=current, reason=reason, detail=detail or {}
        )


def resume(now: datetime | None = None) -> int:
    """Take back jobs whose worker was lost, fail the ones not verified in time, hand due pending and
    stale dispatched ones to the queue."""
    now = now or timezone.now()
    expire_unverified(now)
    for job in FixJob.objects.filter(state=FixState.RUNNING, claimed_until__lt=now):
        _failed_attempt(job, "the worker was lost (killed, or over Q_TIMEOUT) during the attempt", now)
    due = FixJob.objects.filter(state=FixState.PENDING, next_attempt_at__lte=now)
    lost = FixJob.objects.filter(state=FixState.DISPATCHED, updated_at__lt=now - lease())
    ids = list(due.values_list("pk", flat=True)) + list(lost.values_list("pk", flat=True))
    dispatch(ids)
    return len(ids)


def expire_unverified(now: datetime | None = None) -> int:
    """Fail the jobs awaiting verification for longer than their project's ``rerun.verify_within_minutes``
    (the time is counted from the move to ``awaiting_verification``, the job's last update); returns how
    many. A re-run that never completes (cancelled at the CI, its webhook lost for good) ends here."""
    from hub.response.policy import store

    now = now or timezone.now()
    waiting = FixJob.objects.filter(state=FixState.AWAITING_VERIFICATION).select_related("project")
    expired, limits = 0, {}
    for job in waiting.order_by("project_id", "pk"):
        if job.project_id not in limits:
            limits[job.project_id] = store.effective(job.project)["rerun"]["verify_within_minutes"]
        minutes = limits[job.project_id]
        cutoff = now - timedelta(minutes=minutes)
        if job.updated_at < cutoff and transition(
            job, FixState.FAILED, f"not verified within {minutes} minutes (rerun.verify_within_minutes): "
            "the awaited outcome never arrived", guard=Q(updated_at__lt=cutoff),
            detail={"verify_within_minutes": minutes},
        ):  # fmt: skip
            expired += 1
    return expired


def retry(job: FixJob, actor: str) -> bool:
    """An operator's "try again": a failed or dead job goes back to pending with its attempts reset."""
    moved = transition(job, FixState.PENDING, f"{actor} asked to try again", actor=actor, attempts=0,
                       next_attempt_at=timezone.now(), last_error="",
                       guard=Q(state__in=(FixState.FAILED, FixState.DEAD)))  # fmt: skip
    if moved:
        job_id = job.pk
        transaction.on_commit(lambda: dispatch([job_id]))
    return moved


def cancel(job: FixJob, actor: str) -> bool:
    """An operator's "stop": the job does nothing more (a running attempt finishes, then is dropped)."""
    return transition(job, FixState.CANCELLED, f"{actor} cancelled it", actor=actor)
