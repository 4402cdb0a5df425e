"""Reads what the figures need for one project and some weeks: failed runs and finished fix jobs.

The definitions live in ``figures.py``; this module only turns rows of the database into its plain rows
(a run's end is its ``finished_at``, else its last update; a fix job's end is its last move).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from hub.metrics import figures
from hub.projects.models import Project
from hub.response.models import FixJob, FixJobEvent, FixState
from hub.runs.models import Run, RunStatus, Upload
from hub.runs.services.state import FAILED_CONCLUSIONS

MAX_WEEKS = 52


class TooManyWeeks(ValueError):
    """``weeks`` outside 1..MAX_WEEKS (or not a whole number)."""


def parse_weeks(raw: str) -> int:
    """``?weeks=`` as a number of weeks; TooManyWeeks naming the limit and what was given."""
    try:
        weeks = int(raw)
    except ValueError:
        weeks = 0
    if not 1 <= weeks <= MAX_WEEKS:
        raise TooManyWeeks(f"weeks must be a whole number from 1 to {MAX_WEEKS}; got {raw!r}")
    return weeks


def weekly(project: Project, weeks: int, now: datetime | None = None) -> list[dict]:
    """The figures of the last ``weeks`` ISO weeks (1..52), newest first, as the API shows them."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise TooManyWeeks(f"weeks must be a whole number from 1 to {MAX_WEEKS}; got {weeks}")
    now = now or timezone.now()
    names = figures.last_weeks(now, weeks)
    since = now - timedelta(days=7 * weeks + 7)
    table = figures.weekly(_failed_runs(project, since), _responses(project, since), names)
    return [week.as_dict() for week in table]


def _failed_runs(project: Project, since: datetime) -> list[figures.FailedRun]:
    runs = (
        Run.objects.filter(project=project, status=RunStatus.COMPLETED, conclusion__in=FAILED_CONCLUSIONS)
        .annotate(ended=Coalesce("finished_at", "updated_at"))
        .filter(ended__gte=since)
        .annotate(uploaded=Exists(Upload.objects.filter(run=OuterRef("pk"))))
    )
    return [figures.FailedRun(ended, uploaded) for ended, uploaded in runs.values_list("ended", "uploaded")]


def _responses(project: Project, since: datetime) -> list[figures.Response]:
    last_move = FixJobEvent.objects.filter(fix_job=OuterRef("pk"), to_state=OuterRef("state")).order_by("-at")
    jobs = (
        FixJob.objects.filter(project=project, state__in=figures.FINISHED_OUTCOMES)
        .annotate(
            ended=Subquery(last_move.values("at")[:1]),
            detail=Subquery(last_move.values("detail")[:1]),
            started=Coalesce(
                F("cluster__first_seen"), F("run__finished_at"), F("run__created_at"), "created_at"
            ),
        )
        .filter(ended__gte=since)
    )
    return [
        figures.Response(
            responder=job["responder"],
            outcome=job["state"],
            started=job["started"],
            ended=job["ended"],
            failed_again=job["state"] == FixState.FAILED and bool(_failed_again(job["detail"])),
        )
        for job in jobs.values("responder", "state", "started", "ended", "detail")
    ]


def _failed_again(detail) -> list:
    """The tests a re-run's next attempt failed again (``responders.rerun.verify`` records them)."""
    if isinstance(detail, str):  # a JSON field read through a subquery comes back as text on SQLite
        detail = json.loads(detail or "{}")
    return (detail or {}).get("failed_again") or []
