"""django-q2 task for the quarantine list: a thin function that calls the service."""

from __future__ import annotations


def expire_quarantine() -> int:
    """Close expired quarantine entries (scheduled hourly by ``hub.flaky.schedules``)."""
    from hub.flaky.services.quarantine import expire_entries

    return expire_entries()
