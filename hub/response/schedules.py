"""The resume pass over fix jobs every minute: what is due is handed to the queue again, and state changes
made outside runs are answered by the issues responder, and running coding-agent runs are read
(FIX_JOB_RESUME_MINUTES; 0 turns all three off)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

NAME = "response.resume"
FIXER = "response.fixer"  # pull requests of fix workflows whose webhook was lost (FIXER_POLL_MINUTES)
ISSUES = "response.issues"  # state changes made outside runs (a test marked fixed), for the issues responder
AGENTS = "response.agent_poll"  # coding-agent runs followed to their end
DEPLOYMENTS = "response.deployments"  # health checks of merged fixes' deployments (FIX_JOB_RESUME_MINUTES)


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    keep_schedule(
        NAME,
        "hub.response.tasks.resume",
        Schedule.MINUTES,
        enabled=bool(settings.FIX_JOB_RESUME_MINUTES),
        minutes=settings.FIX_JOB_RESUME_MINUTES,
    )
    keep_schedule(
        ISSUES,
        "hub.response.tasks.issues_sweep",
        Schedule.MINUTES,
        enabled=bool(settings.FIX_JOB_RESUME_MINUTES),
        minutes=settings.FIX_JOB_RESUME_MINUTES,
    )
    keep_schedule(
        AGENTS,
        "hub.response.tasks.poll_agent_runs",
        Schedule.MINUTES,
        enabled=bool(settings.FIX_JOB_RESUME_MINUTES),
        minutes=settings.FIX_JOB_RESUME_MINUTES,
    )
    keep_schedule(
        FIXER,
        "hub.response.tasks.fixer_poll",
        Schedule.MINUTES,
        enabled=bool(settings.FIXER_POLL_MINUTES),
        minutes=settings.FIXER_POLL_MINUTES,
    )
    keep_schedule(
        DEPLOYMENTS,
        "hub.response.tasks.watch_deployments",
        Schedule.MINUTES,
        enabled=bool(settings.FIX_JOB_RESUME_MINUTES),
        minutes=settings.FIX_JOB_RESUME_MINUTES,
    )
