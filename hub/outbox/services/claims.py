"""Doing owed work once: claim it with a guarded update, do it and mark it done in one transaction.

The claim (``claimed_until``, a lease longer than the task timeout, and one more attempt) is committed on
its own, so a worker killed mid-task leaves a row the sweep recognises as lost once the lease expires.
The work itself and the ``done`` mark commit together, after re-reading the row under a lock: a task
delivered twice (the ORM broker's retry, the sweep, a redelivery) finds the work done and does nothing,
and a worker killed before commit leaves no effect behind. Errors are recorded on the row and retried
with backoff by the sweep; after ``OWED_MAX_ATTEMPTS`` the work is dead.

A consumer that can do many subjects' work in one pass (``batched``) gets, with the work its task
names, the rest of its backlog on that topic (up to ``OWED_BATCH_SIZE``), claimed in one statement: a
worker that has fallen behind pays the fixed costs once per batch and the later tasks find their work
done. The batch is done and marked done in one transaction; if it fails, each piece is done alone, so
one bad subject fails only itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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


def batched(many: Callable[[list[int]], None]) -> Callable:
    """Mark a consumer as able to do several subjects' work in one call of ``many(subject_ids)`` (oldest
    first), with the same effects as calling the consumer on each in that order."""

    def mark(consumer: Callable) -> Callable:
        consumer.many = many
        return consumer

    return mark


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
    many = getattr(import_string(work.consumer), "many", None)
    companions = _claim_backlog(work, now) if many is not None else []
    if companions and _perform_batch(sorted([work, *companions], key=_pk), many):
        return WorkState.DONE
    for other in companions:  # the batch failed: each piece alone, each failure its own
        _perform_claimed(other)
    return _perform_claimed(work)


def _pk(work: OwedWork) -> int:
    return work.pk


def _claim_backlog(work: OwedWork, now: datetime) -> list[OwedWork]:
    """Claim, in one guarded update, up to ``OWED_BATCH_SIZE - 1`` more owed rows of ``work``'s topic and
    consumer that are due and in no one's hands; return the ones this worker now holds, oldest first."""
    size = settings.OWED_BATCH_SIZE - 1
    if size < 1:
        return []
    backlog = (
        OwedWork.objects.filter(not_held(now), topic=work.topic, consumer=work.consumer, state=WorkState.OWED)
        .filter(due_at__lte=now, attempts__lt=settings.OWED_MAX_ATTEMPTS)
        .exclude(pk=work.pk)
    )
    candidates = list(backlog.order_by("pk").values_list("pk", flat=True)[:size])
    if not candidates:
        return []
    held_until = work.claimed_until
    backlog.filter(pk__in=candidates).update(claimed_until=held_until, attempts=F("attempts") + 1)
    # Another worker claiming the same row at the same microsecond would also read it as its own: the
    # lock and state check in the transaction below still let only one of them do it.
    return list(OwedWork.objects.filter(pk__in=candidates, claimed_until=held_until).order_by("pk"))


def _perform_batch(works: list[OwedWork], many: Callable[[list[int]], None]) -> bool:
    """Do the owed ``works`` in one call and one transaction; False (nothing done) if it raised."""
    try:
        with transaction.atomic():
            owed = set(
                OwedWork.objects.select_for_update()
                .filter(pk__in=[w.pk for w in works], state=WorkState.OWED)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            todo = [w for w in works if w.pk in owed]
            if todo:
                many([w.subject_id for w in todo])
                OwedWork.objects.filter(pk__in=[w.pk for w in todo]).update(
                    state=WorkState.DONE, done_at=timezone.now(), claimed_until=None, last_error=""
                )
    except Exception:
        log.exception("owed work %s in one batch failed; doing each alone", [w.pk for w in works])
        return False
    return True


def _perform_claimed(work: OwedWork) -> str:
    """Do one claimed piece of owed work and mark it done in one transaction; record an error."""
    try:
        with transaction.atomic():
            if not OwedWork.objects.select_for_update().filter(pk=work.pk, state=WorkState.OWED).exists():
                return SKIPPED  # finished by a worker whose lease had expired: its effects stand
            import_string(work.consumer)(work.subject_id)
            OwedWork.objects.filter(pk=work.pk).update(
                state=WorkState.DONE, done_at=timezone.now(), claimed_until=None, last_error=""
            )
    except Exception as exc:
        log.exception("owed work %s (%s %s) failed", work.pk, work.topic, work.subject_id)
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
