"""The response app's periodic passes: fix jobs that are due are handed to the queue again, state changes
made outside runs are answered by the issues responder, running coding-agent runs are read and merged
fixes' deployments are watched (every FIX_JOB_RESUME_MINUTES; 0 turns these four off), and fix workflows'
pull requests whose webhook was lost are looked for (FIXER_POLL_MINUTES)."""

from __future__ import annotations

from django.conf import settings

from hub.schedules import keep_schedule

NAME = "response.resume"
FIXER = "response.fixer"  # pull requests of fix workflows whose webhook was lost (FIXER_POLL_MINUTES)
ISSUES = "response.issues"  # state changes made outside runs (a test marked fixed), for the issues responder
AGENTS = "response.agent_poll"  # coding-agent runs followed to their end
DEPLOYMENTS = "response.deployments"  # health checks of merged fixes' deployments (FIX_JOB_RESUME_MINUTES)


# Each pass: its schedule's name, its task, and the setting that says every how many minutes (0: off).
PASSES = (
    (NAME, "hub.response.tasks.resume", "FIX_JOB_RESUME_MINUTES"),
    (ISSUES, "hub.response.tasks.issues_sweep", "FIX_JOB_RESUME_MINUTES"),
    (AGENTS, "hub.response.tasks.poll_agent_runs", "FIX_JOB_RESUME_MINUTES"),
    (FIXER, "hub.response.tasks.fixer_poll", "FIXER_POLL_MINUTES"),
    (DEPLOYMENTS, "hub.response.tasks.watch_deployments", "FIX_JOB_RESUME_MINUTES"),
)


def ensure_schedules(**kwargs) -> None:
    from django_q.models import Schedule

    for name, task, setting in PASSES:
        minutes = getattr(settings, setting)
        keep_schedule(name, task, Schedule.MINUTES, enabled=bool(minutes), minutes=minutes)
