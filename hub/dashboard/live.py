"""What a live page watches, and whether anything it watches changed after its cursor.

A page names what it shows as a *watch*: ``run:<id>`` (a run's page: its jobs, results and fix jobs),
``fix-job:<id>``, or ``all`` (the lists: anything in the reader's projects). ``since`` answers from the
``Change`` rows the writers record (``hub.outbox.services.live``), limited to the reader's projects, so a
stream never tells one team about another's runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Max, Q
from django.utils import timezone

from hub.outbox.models import Change
from hub.projects.models import Project
from hub.projects.services import visible

WATCH = re.compile(r"^(?:(run|fix-job):([1-9][0-9]{0,17})|all)$")
SETTLE = timedelta(seconds=1)  # a page's cursor leaves out the last second: a spare refresh, never a miss


class BadWatch(ValueError):
    pass


@dataclass(frozen=True)
class Watch:
    kind: str  # "run", "fix-job" or "all"
    id: int | None = None

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"


def parse_watch(text: str) -> Watch:
    found = WATCH.match(text or "")
    if found is None:
        raise BadWatch("watch must be run:<id>, fix-job:<id> or all")
    return Watch(found.group(1), int(found.group(2))) if found.group(1) else Watch("all")


def _scope(watch: Watch) -> Q:
    if watch.kind == "run":
        return Q(run_id=watch.id)
    if watch.kind == "fix-job":
        return Q(fix_job_id=watch.id)
    return Q()


def since(user, watch: Watch, cursor: int, upto: int | None = None) -> bool:
    """Whether a change the reader may see, of what ``watch`` names, was committed after ``cursor``
    (and at or before ``upto``, the newest id the caller knows of)."""
    projects = visible(Project.objects.all(), user, "").values("pk")
    changes = Change.objects.filter(_scope(watch), pk__gt=cursor, project_id__in=projects)
    if upto is not None:
        changes = changes.filter(pk__lte=upto)
    return changes.exists()


def page_cursor() -> int:
    """The cursor a page starts from: the newest change older than ``SETTLE``, so one committed while
    the page was being rendered is still reported to it."""
    older = Change.objects.filter(created_at__lt=timezone.now() - SETTLE)
    return older.aggregate(newest=Max("pk"))["newest"] or 0
