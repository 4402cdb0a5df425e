"""The periodic sweep: owed work that no worker finished goes back on the queue.

Work is re-enqueued when it is due (its backoff over), no live worker holds it, and it was not handed
to the queue since: never enqueued, enqueued before an error set its backoff, or enqueued longer than a
lease ago (a broker that lost the task, a worker killed with it). Each row is taken with a guarded
update, so two sweeps never enqueue it twice. Work whose lease expired with no attempts left is dead.
Done work older than ``OWED_KEEP_DONE_DAYS`` is deleted: it only proves that a redelivered task has
nothing left to do, and the queue forgets tasks long before that.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services.announce import enqueue
from hub.outbox.services.claims import lease, not_held

LOST = "claimed {attempts} times and never finished: the worker died or exceeded Q_TIMEOUT"


def sweep(now: datetime | None = None) -> int:
    """Give up what is out of attempts, re-enqueue what is owed and not in hand; return how many."""
    now = now or timezone.now()
    OwedWork.objects.filter(
        state=WorkState.DONE, created_at__lt=now - timedelta(days=settings.OWED_KEEP_DONE_DAYS)
    ).delete()
    owed = OwedWork.objects.filter(state=WorkState.OWED)
    for work in owed.filter(claimed_until__lt=now, attempts__gte=settings.OWED_MAX_ATTEMPTS):
        owed.filter(pk=work.pk, claimed_until=work.claimed_until).update(
            state=WorkState.DEAD, claimed_until=None, last_error=LOST.format(attempts=work.attempts)
        )
    stale = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=F("due_at")) | Q(enqueued_at__lt=now - lease())
    due = owed.filter(stale, not_held(now), due_at__lte=now, attempts__lt=settings.OWED_MAX_ATTEMPTS)
    taken = []
    with transaction.atomic():
        for work_id, enqueued_at in due.order_by("due_at").values_list("pk", "enqueued_at")[
            : settings.OWED_SWEEP_BATCH
        ]:
            if owed.filter(pk=work_id, enqueued_at=enqueued_at).update(enqueued_at=now):
                taken.append(work_id)
        transaction.on_commit(lambda: enqueue(taken))
    return len(taken)
