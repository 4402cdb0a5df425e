"""django-q2 tasks for owed work: thin functions taking ids, calling the services."""

from __future__ import annotations

from hub.outbox.services import claims, sweeping


def perform(work_id: int) -> str:
    return claims.perform(work_id)


def sweep() -> int:
    return sweeping.sweep()
