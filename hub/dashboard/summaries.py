"""The Projects page's cards: each project's health at a glance, in a fixed number of queries per project.

Figures (docs/dashboard.md defines each):
- the default branch's last runs, as marks, newest last;
- its pass rate over the last 7 days and the change from the 7 days before;
- tests failing now (a failure streak on the default branch), newly flaky (judged flaky in the last 7
  days), broken and quarantined tests, from the verdicts detection keeps (``TestHealth``), never results;
- CI time lost this week: wall time of this week's runs that failed (they are run again);
- open fix jobs (not finished).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from hub.flaky.models import QuarantineEntry, TestHealth, TestState
from hub.projects.models import Project
from hub.response.models import FixJob, FixState
from hub.runs.models import Conclusion, Run, RunStatus
from hub.runs.services.state import FAILED_CONCLUSIONS

MARKS = 20
FAILING_NAMED = 3
WEEK = timedelta(days=7)
OPEN_FIX_STATES = (
    FixState.PENDING,
    FixState.DISPATCHED,
    FixState.RUNNING,
    FixState.AWAITING_VERIFICATION,
)


@dataclass
class Card:
    project: Project
    recent: list[Run] = field(default_factory=list)
    pass_rate: float | None = None
    pass_rate_before: float | None = None
    failing_now: int = 0
    failing_tests: list[TestHealth] = field(default_factory=list)
    newly_flaky: int = 0
    flaky: int = 0
    broken: int = 0
    quarantined: int = 0
    time_lost: float = 0.0
    open_fix_jobs: int = 0

    @property
    def trend(self) -> float | None:
        """Change in pass rate from last week to this week, in percentage points."""
        if self.pass_rate is None or self.pass_rate_before is None:
            return None
        return round((self.pass_rate - self.pass_rate_before) * 100, 1)


def pass_rate(conclusions: list[str]) -> float | None:
    """Share of completed runs that succeeded; None when none completed."""
    finished = [c for c in conclusions if c]
    return sum(c == Conclusion.SUCCESS for c in finished) / len(finished) if finished else None


def wall_seconds(spans: list[tuple[datetime | None, datetime | None]]) -> float:
    return sum((end - start).total_seconds() for start, end in spans if start and end and end > start)


def card(project: Project, now: datetime | None = None) -> Card:
    now = now or timezone.now()
    week_ago, two_weeks_ago = now - WEEK, now - 2 * WEEK
    default = Run.objects.filter(project=project, branch=project.default_branch)
    recent = list(default.order_by("-created_at", "-id")[:MARKS])
    finished = default.filter(status=RunStatus.COMPLETED, created_at__gte=two_weeks_ago)
    weeks = list(finished.values_list("created_at", "conclusion"))
    health = TestHealth.objects.filter(project=project).aggregate(
        newly_flaky=Count("pk", filter=Q(state=TestState.FLAKY, state_since__gte=week_ago)),
        flaky=Count("pk", filter=Q(state=TestState.FLAKY)),
        broken=Count("pk", filter=Q(state=TestState.BROKEN)),
    )
    failing = TestHealth.objects.filter(project=project, failure_streak__gt=0).exclude(state=TestState.FIXED)
    named = list(failing.select_related("test").order_by("-failure_streak", "test_id")[:FAILING_NAMED])
    lost = Run.objects.filter(project=project, created_at__gte=week_ago, conclusion__in=FAILED_CONCLUSIONS)
    return Card(
        project=project,
        recent=recent[::-1],
        pass_rate=pass_rate([c for at, c in weeks if at >= week_ago]),
        pass_rate_before=pass_rate([c for at, c in weeks if at < week_ago]),
        failing_now=failing.count(),
        failing_tests=named,
        quarantined=QuarantineEntry.objects.active(now).filter(project=project).count(),
        time_lost=wall_seconds(list(lost.values_list("started_at", "finished_at"))),
        open_fix_jobs=FixJob.objects.filter(project=project, state__in=OPEN_FIX_STATES).count(),
        **health,
    )
