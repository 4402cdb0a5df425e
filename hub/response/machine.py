"""The fix job state machine as plain data, and when a failed attempt is tried again: pure functions.

``ALLOWED[to]`` lists the states a job may move to ``to`` from; ``services/fix_jobs.transition`` turns it
into ``UPDATE ... WHERE state IN (...)``, so two workers (or a worker and an operator) never both move
one job. The finished states are ``FINISHED``; an operator may send a failed or dead job back to pending.
"""

from __future__ import annotations

import random
from datetime import timedelta

from hub.response.models import FixState as S

ALLOWED: dict[str, frozenset[str]] = {
    # back to pending: an error with attempts left, a lost worker's lease, an operator's "try again",
    # an approval given, an agent run that failed with attempts left (retried with another strategy)
    S.PENDING: frozenset({S.RUNNING, S.FAILED, S.DEAD, S.AWAITING_APPROVAL, S.AWAITING_VERIFICATION}),
    S.AWAITING_APPROVAL: frozenset({S.RUNNING}),  # a hand-off waits for a person before any call
    S.DISPATCHED: frozenset({S.PENDING}),
    S.RUNNING: frozenset({S.PENDING, S.DISPATCHED}),  # claimed by a worker
    S.AWAITING_VERIFICATION: frozenset({S.RUNNING}),  # the outside effect exists; its outcome is awaited
    S.SUCCEEDED: frozenset({S.RUNNING, S.AWAITING_VERIFICATION}),
    S.FAILED: frozenset({S.RUNNING, S.AWAITING_VERIFICATION}),
    S.DEAD: frozenset({S.RUNNING, S.AWAITING_VERIFICATION}),  # the last attempt failed or was lost
    S.CANCELLED: frozenset(
        {S.PENDING, S.DISPATCHED, S.AWAITING_APPROVAL, S.AWAITING_VERIFICATION, S.FAILED, S.DEAD}
    ),
}
FINISHED = frozenset({S.SUCCEEDED, S.FAILED, S.CANCELLED, S.DEAD})

BACKOFF_CAP = timedelta(hours=1)
JITTER = 0.25  # each delay is spread by up to a quarter either way, so failed jobs do not retry in step


def can_move(current: str, to: str) -> bool:
    return current in ALLOWED.get(to, frozenset())


def backoff(attempts: int, base_seconds: int, rand: random.Random | None = None) -> timedelta:
    """The delay after ``attempts`` failed attempts: ``base_seconds`` doubling per attempt, capped at an
    hour, times a random factor in [1 - JITTER, 1 + JITTER]."""
    plain = min(base_seconds * 2 ** max(attempts - 1, 0), BACKOFF_CAP.total_seconds())
    factor = 1 + JITTER * (2 * (rand or random).random() - 1)
    return timedelta(seconds=plain * factor)
