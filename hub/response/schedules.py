"""The resume pass over fix jobs every minute: what is due is handed to the queue again (0 turns it off)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

NAME = "response.resume"


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        NAME,
        "hub.response.tasks.resume",
        Schedule.MINUTES,
        enabled=bool(settings.FIX_JOB_RESUME_MINUTES),
        minutes=settings.FIX_JOB_RESUME_MINUTES,
    )
