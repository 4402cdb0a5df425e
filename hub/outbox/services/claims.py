"""Doing owed work once: claim it with a guarded update, do it and mark it done in one transaction.

The claim (``claimed_until``, a lease longer than the task timeout, and one more attempt) is committed on
its own, so a worker killed mid-task leaves a row the sweep recognises as lost once the lease expires.
The work itself and the ``done`` mark commit together, after re-reading the row under a lock: a task
delivered twice (the ORM broker's retry, the sweep, a redelivery) finds the work done and does nothing,
and a worker killed before commit leaves no effect behind. Errors are recorded on the row and retried
with backoff by the sweep; after ``OWED_MAX_ATTEMPTS`` the work is dead.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import retry

log = logging.getLogger(__name__)

MAX_ERROR = 2000
SKIPPED = "skipped"


def lease() -> timedelta:
    return timedelta(seconds=settings.OWED_LEASE_SECONDS)


def not_held(now: datetime) -> Q:
    """No live worker holds the work: never claimed, released after an error, or its lease expired."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def perform(work_id: int) -> str:
    """Do owed work ``work_id`` unless it is done, dead, held by another worker or out of attempts;
    return its state afterwards (``skipped`` when this call did nothing)."""
    now = timezone.now()
    claimed = (
        OwedWork.objects.filter(not_held(now), pk=work_id, state=WorkState.OWED)
        .filter(attempts__lt=settings.OWED_MAX_ATTEMPTS)
        .update(claimed_until=now + lease(), attempts=F("attempts") + 1)
    )
    if not claimed:
        return SKIPPED
    work = OwedWork.objects.get(pk=work_id)
    try:
        with transaction.atomic():
            if not OwedWork.objects.select_for_update().filter(pk=work_id, state=WorkState.OWED).exists():
                return SKIPPED  # finished by a worker whose lease had expired: its effects stand
            import_string(work.consumer)(work.subject_id)
            OwedWork.objects.filter(pk=work_id).update(
                state=WorkState.DONE, done_at=timezone.now(), claimed_until=None, last_error=""
            )
    except Exception as exc:
        log.exception("owed work %s (%s %s) failed", work_id, work.topic, work.subject_id)
        return _failed(work, f"{type(exc).__name__}: {exc}")
    return WorkState.DONE


def _failed(work: OwedWork, error: str) -> str:
    now = timezone.now()
    due = retry.after_failure(
        work.attempts,
        now,
        max_attempts=settings.OWED_MAX_ATTEMPTS,
        base_seconds=settings.OWED_RETRY_BACKOFF_SECONDS,
    )
    state = WorkState.OWED if due is not None else WorkState.DEAD
    OwedWork.objects.filter(pk=work.pk, state=WorkState.OWED).update(
        state=state, due_at=due or now, claimed_until=None, last_error=error[:MAX_ERROR]
    )
    return state
