"""Issues for failure clusters new on the default branch: part of the issues responder (same fix jobs,
same hourly limit, same filing machinery in ``services/issue_filing``), following a cluster, not a test.

When a completed run on the project's default branch fails with a cluster whose first failure on that
branch was at most a day earlier ("new on the default branch"), a fix job
(``issue:cluster:<cluster>:run:<run>``) opens one issue for it. Each later completed run on the default
branch in which the cluster fails again brings its issue up to date, or reopens it if it was closed.
``sweep_project`` (every minute) closes the issue once the cluster is over: not seen for
``issues.cluster_quiet_days``, or every test it touched passes again (its latest result is a pass); that
job is keyed by the cluster's occurrence count, so a cluster that comes back and clears again is closed
again. The issue is the effect ``issue:cluster:<cluster>``; its body
carries ``<!-- orchestrate:cluster:<cluster> -->``, so a lost record never files a second one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from hub.failures.models import ClusterTest, Failure, FailureCluster, JobFailure
from hub.flaky.models import TestHealth
from hub.response import decisions
from hub.response.models import Effect, EffectState, FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.services import cluster_issue_body, fix_jobs, issue_filing
from hub.runs.models import Run

log = logging.getLogger(__name__)

KIND = Responder.ISSUES
PREFIX = "issue:cluster:"
UNFINISHED = (FixState.PENDING, FixState.DISPATCHED, FixState.RUNNING)
NEW_FOR = timedelta(days=1)  # a cluster is new on the default branch for a day after its first failure there


def issue_key(cluster_id: int) -> str:
    return f"{PREFIX}{cluster_id}"


def follow(run: Run, rules: dict[str, Any]) -> list[FixJob]:
    """A fix job for each cluster that failed in ``run`` on the default branch and is new there or
    already followed (an issue job was opened for it before), unless one is under way for it."""
    if not rules["new_cluster_on_default_branch"] or run.branch != run.project.default_branch:
        return []
    seen = set(Failure.objects.filter(run=run, cluster__isnull=False).values_list("cluster_id", flat=True))
    seen |= set(
        JobFailure.objects.filter(job__run=run, cluster__isnull=False).values_list("cluster_id", flat=True)
    )
    busy = FixJob.objects.filter(project_id=run.project_id, responder=KIND, state__in=UNFINISHED)
    seen -= set(busy.filter(cluster_id__in=seen).values_list("cluster_id", flat=True))
    opened = []
    for cluster in FailureCluster.objects.filter(pk__in=seen).order_by("pk"):
        followed = FixJob.objects.filter(project_id=run.project_id, responder=KIND, cluster=cluster).exists()
        if not followed and not _new_on(cluster, run):
            continue
        job = _open(cluster, f"{issue_key(cluster.pk)}:run:{run.pk}", rules, run=run)
        if job is not None:
            opened.append(job)
    return opened


def _new_on(cluster: FailureCluster, run: Run) -> bool:
    """Whether ``cluster`` first failed on ``run``'s branch at most ``NEW_FOR`` before ``run`` (so one
    held back by the hourly limit is filed on its next failure there that day)."""
    first = cluster_issue_body.first_run_on(cluster, run.branch)
    return first is not None and first.created_at >= run.created_at - NEW_FOR


def sweep_project(project_id: int, rules: dict[str, Any], now: datetime | None = None) -> list[FixJob]:
    """A fix job closing each of the project's open (or dismissed) cluster issues whose cluster is over."""
    opened = []
    filed = Effect.objects.filter(
        fix_job__project_id=project_id, key__startswith=PREFIX, state=EffectState.DONE
    )
    for effect in filed:
        if effect.detail.get("state") not in ("open", decisions.DISMISSED):
            continue
        cluster = FailureCluster.objects.filter(pk=int(effect.key.removeprefix(PREFIX))).first()
        if cluster is None or cleared_reason(cluster, rules["cluster_quiet_days"], now) is None:
            continue
        job = _open(cluster, f"{issue_key(cluster.pk)}:cleared:{cluster.occurrences}", rules, now=now)
        if job is not None:
            opened.append(job)
    return opened


def cleared_reason(cluster: FailureCluster, quiet_days: int, now: datetime | None = None) -> str | None:
    """Why ``cluster`` is over, or None while it goes on."""
    if cluster.last_seen < (now or timezone.now()) - timedelta(days=quiet_days):
        return f"the cluster has not been seen for {quiet_days} days (issues.cluster_quiet_days)"
    tests = list(ClusterTest.objects.filter(cluster=cluster).values_list("test_id", flat=True))
    passing = TestHealth.objects.filter(test_id__in=tests, clean_streak__gt=0).count()
    if tests and passing == len(tests):
        return f"all {len(tests)} of its tests pass again"
    return None


def still_going_on(cluster_id: int) -> bool:
    """Whether the cluster is not over under its project's policy (a pruned cluster is over)."""
    cluster = FailureCluster.objects.select_related("project").filter(pk=cluster_id).first()
    if cluster is None:
        return False
    quiet_days = store.effective(cluster.project)["issues"]["cluster_quiet_days"]
    return cleared_reason(cluster, quiet_days) is None


def _decide(
    cluster: FailureCluster, rules: dict[str, Any], now: datetime | None = None
) -> decisions.IssueDecision:
    return decisions.cluster_issue(
        cleared_reason(cluster, rules["cluster_quiet_days"], now),
        issue_filing.known_state(issue_key(cluster.pk)),
        rules,
        writes_last_hour=issue_filing.writes_last_hour(cluster.project_id, now),
    )


def _open(
    cluster: FailureCluster, key: str, rules: dict[str, Any], now: datetime | None = None, **about: Any
) -> FixJob | None:
    decision = _decide(cluster, rules, now)
    if decision.move == decisions.NOTHING:
        log.info("no issue job %s: %s", key, decision.reason)
        return None
    return fix_jobs.open_job(
        cluster.project_id, KIND, key, decision.reason, {"move": decision.move}, cluster=cluster, **about
    )


def act(job: FixJob) -> fix_jobs.Outcome:
    cluster = FailureCluster.objects.filter(pk=job.cluster_id).first() if job.cluster_id else None
    if cluster is None:
        return fix_jobs.Outcome(FixState.FAILED, "the failure cluster was pruned before its issue was filed")
    rules = store.effective(job.project)["issues"]
    decision = _decide(cluster, rules)
    if decision.move == decisions.NOTHING:
        return fix_jobs.Outcome(FixState.SUCCEEDED, f"nothing to do now: {decision.reason}")
    cleared = cleared_reason(cluster, rules["cluster_quiet_days"])
    content = cluster_issue_body.gather(cluster, job.project.default_branch, cleared)
    title = cluster_issue_body.title(content)
    filing = issue_filing.Filing(
        key=issue_key(cluster.pk),
        marker=cluster_issue_body.marker(cluster.pk),
        title=title,
        fallback_title=title,
        body=cluster_issue_body.render(content),
    )
    return issue_filing.perform(job, decision, filing, rules["labels"])
