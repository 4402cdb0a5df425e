"""The one way an app keeps a periodic task: created or updated by name after every ``migrate`` (so a
changed setting takes effect on the next deploy), removed when the setting turns it off."""

from __future__ import annotations

from typing import Any


def keep_schedule(name: str, func: str, schedule_type: str, *, enabled: bool = True, **fields: Any) -> None:
    from django_q.models import Schedule

    if not enabled:
        Schedule.objects.filter(name=name).delete()
        return
    Schedule.objects.update_or_create(
        name=name, defaults={"func": func, "schedule_type": schedule_type, "repeats": -1, **fields}
    )
