"""When failed or lost owed work is tried again, and when it is given up: pure functions over numbers."""

from __future__ import annotations

from datetime import datetime, timedelta

BACKOFF_CAP = timedelta(hours=1)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Doubling from ``base_seconds`` after the first attempt, capped at an hour."""
    return min(timedelta(seconds=base_seconds * 2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def after_failure(attempts: int, now: datetime, *, max_attempts: int, base_seconds: int) -> datetime | None:
    """When to try again after ``attempts`` attempts ended in an error; None when they are used up."""
    if attempts >= max_attempts:
        return None
    return now + backoff(attempts, base_seconds)
