"""Reads what the figures need for one project and some weeks: the runs the CI reported failed, finished
fix jobs, tests fixed or healed, failure clusters whose issues were closed, and issues closed by the hub or
by a person as not a problem.

The definitions live in ``figures.py``; this module only turns rows of the database into its plain rows
(a run's end is its ``finished_at``, else its last update; a fix job's end is its last move).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from django.db.models import Exists, Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hub.failures.models import Failure, JobFailure
from hub.flaky.models import StateChange
from hub.metrics import figures
from hub.projects.models import Project
from hub.response import decisions
from hub.response.decisions import CLEARED, ISSUE_KINDS
from hub.response.models import Effect, EffectState, FixJob, FixJobEvent, FixState, Responder
from hub.response.services.merging import MERGE
from hub.runs.models import Run, RunStatus
from hub.runs.services.state import FAILED_CONCLUSIONS

MAX_WEEKS = 52
PROBLEMS = tuple(ISSUE_KINDS)  # flaky, quarantined, broken: the states the hub responds to


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
    table = figures.weekly(
        names,
        failed_runs=_failed_runs(project, since),
        responses=_responses(project, since),
        resolutions=[*_tests_resolved(project, since), *_clusters_resolved(project, since)],
        issues_closed=_issues_closed(project, since),
        reds=_reds(project, since),
        merges=merges(project, since),
    )
    return [week.as_dict() for week in table]


def _failed_runs(project: Project, since: datetime) -> list[figures.FailedRun]:
    """Runs the CI reported failed (``from_provider``: the hub's own conclusion of an agent-only run is not
    the provider's report), each with whether the hub recorded why it failed."""
    runs = (
        Run.objects.filter(
            project=project, from_provider=True, status=RunStatus.COMPLETED, conclusion__in=FAILED_CONCLUSIONS
        )
        .annotate(ended=Coalesce("finished_at", "updated_at"))
        .filter(ended__gte=since)
        .annotate(
            failed_tests=Exists(Failure.objects.filter(run=OuterRef("pk"))),
            failed_jobs=Exists(JobFailure.objects.filter(job__run=OuterRef("pk"))),
        )
    )
    return [
        figures.FailedRun(ended, tests or jobs)
        for ended, tests, jobs in runs.values_list("ended", "failed_tests", "failed_jobs")
    ]


def _reds(project: Project, since: datetime) -> list[figures.Red]:
    """The same failed runs, each with whether a fix job answered it, whether one succeeded, and when the
    first fix of it was merged (its ``merge:merge:`` effect recorded done)."""
    jobs = FixJob.objects.filter(run=OuterRef("pk"))
    merged = Effect.objects.filter(
        fix_job__run=OuterRef("pk"), key__startswith=MERGE, state=EffectState.DONE
    ).order_by("updated_at")
    runs = (
        Run.objects.filter(
            project=project, from_provider=True, status=RunStatus.COMPLETED, conclusion__in=FAILED_CONCLUSIONS
        )
        .annotate(ended=Coalesce("finished_at", "updated_at"))
        .filter(ended__gte=since)
        .annotate(
            responded=Exists(jobs),
            fixed=Exists(jobs.filter(state=FixState.SUCCEEDED)),
            merged=Subquery(merged.values("updated_at")[:1]),
        )
    )
    return [
        figures.Red(ended, responded, fixed, merged)
        for ended, responded, fixed, merged in runs.values_list("ended", "responded", "fixed", "merged")
    ]


def merges(project: Project | None = None, since: datetime | None = None) -> list[figures.Merge]:
    """Each fix the merge flow merged (its ``merge:merge:`` effect done), with the tests failing on its
    project's default branch in the last completed run created before the merge and in the first
    completed run of the merge commit (its webhook can beat the merge's record), else the first created
    after the merge (runs started before the merge do not hold the fix)."""
    effects = Effect.objects.filter(key__startswith=MERGE, state=EffectState.DONE).select_related(
        "fix_job__project"
    )
    if project is not None:
        effects = effects.filter(fix_job__project=project)
    if since is not None:
        effects = effects.filter(updated_at__gte=since)
    found = []
    for effect in effects.order_by("updated_at", "id"):
        branch = Run.objects.filter(
            project=effect.fix_job.project,
            branch=effect.fix_job.project.default_branch,
            status=RunStatus.COMPLETED,
        )
        merged = branch.filter(commit_sha=effect.external_id) if effect.external_id else branch.none()
        before = (
            branch.filter(created_at__lt=effect.updated_at)
            .exclude(pk__in=merged.values("pk"))
            .order_by("-created_at", "-id")
            .first()
        )
        after = (
            merged.order_by("created_at", "id").first()
            or branch.filter(created_at__gt=effect.updated_at).order_by("created_at", "id").first()
        )
        found.append(
            figures.Merge(
                effect.updated_at,
                _failing(before) if before is not None else frozenset(),
                _failing(after) if after is not None else None,
            )
        )
    return found


def _failing(run: Run) -> frozenset[str]:
    return frozenset(str(test) for test in Failure.objects.filter(run=run).values_list("test_id", flat=True))


def _responses(project: Project, since: datetime) -> list[figures.Response]:
    last_move = FixJobEvent.objects.filter(fix_job=OuterRef("pk"), to_state=OuterRef("state")).order_by("-at")
    jobs = (
        FixJob.objects.filter(project=project, state__in=figures.FINISHED_OUTCOMES)
        .annotate(ended=Subquery(last_move.values("at")[:1]), detail=Subquery(last_move.values("detail")[:1]))
        .filter(ended__gte=since)
    )
    return [
        figures.Response(
            responder=job["responder"],
            outcome=job["state"],
            ended=job["ended"],
            failed_again=job["state"] == FixState.FAILED and bool(_json(job["detail"]).get("failed_again")),
        )
        for job in jobs.values("responder", "state", "ended", "detail")
    ]


def _tests_resolved(project: Project, since: datetime) -> list[figures.Resolution]:
    """Each test fixed or healed (a state change from flaky, quarantined or broken into fixed or healthy;
    a suspected test that clears was never a problem the hub acted on), from the
    first failure of that episode: the first analysed failure after the test's previous fix or heal, else
    its first failure on record in the episode, else the state change that opened the episode."""
    resolutions = []
    ends = StateChange.objects.filter(
        project=project, to_state__in=CLEARED, from_state__in=PROBLEMS, at__gte=since
    )
    for end in ends.select_related("test__health").order_by("at", "id"):
        before = StateChange.objects.filter(test_id=end.test_id, at__lt=end.at).exclude(pk=end.pk)
        previous = before.filter(to_state__in=CLEARED, from_state__in=PROBLEMS).order_by("-at").first()
        after = previous.at if previous is not None else None
        episode = Failure.objects.filter(test_id=end.test_id, created_at__lte=end.at)
        opened = before.exclude(to_state__in=CLEARED)
        if after is not None:
            episode, opened = episode.filter(created_at__gt=after), opened.filter(at__gt=after)
        health = getattr(end.test, "health", None)
        recorded = health.first_failure_at if health is not None else None
        candidates = [
            episode.aggregate(first=Min("created_at"))["first"],
            recorded if recorded is not None and (after is None or recorded > after) else None,
        ]
        start = min((c for c in candidates if c is not None), default=None)
        if start is None:
            start = opened.aggregate(first=Min("at"))["first"] or end.at
        resolutions.append(figures.Resolution("test", start, end.at))
    return resolutions


def _clusters_resolved(project: Project, since: datetime) -> list[figures.Resolution]:
    """Each failure cluster whose issue the hub closed (it went quiet or its tests pass again), from the
    cluster's first failure after its issue was last closed (else its first sighting)."""
    closes = FixJobEvent.objects.filter(
        fix_job__project=project, fix_job__responder=Responder.ISSUES, fix_job__cluster__isnull=False,
        to_state=FixState.SUCCEEDED, detail__move=decisions.CLOSE,
    ).select_related("fix_job__cluster")  # fmt: skip
    resolutions, last_close = [], {}
    for close in closes.order_by("at", "id"):
        cluster = close.fix_job.cluster
        failures = Failure.objects.filter(cluster=cluster, created_at__lte=close.at)
        if cluster.pk in last_close:
            failures = failures.filter(created_at__gt=last_close[cluster.pk])
        start = failures.aggregate(first=Min("created_at"))["first"] or cluster.first_seen
        last_close[cluster.pk] = close.at
        if close.at >= since:
            resolutions.append(figures.Resolution("cluster", start, close.at))
    return resolutions


def _issues_closed(project: Project, since: datetime) -> list[figures.IssueClosed]:
    """Issues the hub closed, and issues closed by a person as not a problem (each dismissal once)."""
    closes = FixJobEvent.objects.filter(
        fix_job__project=project, fix_job__responder=Responder.ISSUES, to_state=FixState.SUCCEEDED,
        detail__move=decisions.CLOSE, at__gte=since,
    ).exclude(detail__was=decisions.DISMISSED)  # fmt: skip
    closed = [figures.IssueClosed(at, False) for at in closes.values_list("at", flat=True)]
    dismissed = Effect.objects.filter(fix_job__project=project, kind="issue", detail__has_key="dismissals")
    for detail in dismissed.values_list("detail", flat=True):
        for dismissal in _json(detail).get("dismissals") or []:
            at = parse_datetime(str(dismissal.get("at", "")))
            if at is not None and at >= since:
                closed.append(figures.IssueClosed(at, True))
    return closed


def _json(detail) -> dict:
    """A JSON field's value; read through a subquery it comes back as text on SQLite."""
    if isinstance(detail, str):
        detail = json.loads(detail or "{}")
    return detail if isinstance(detail, dict) else {}
