"""The issues responder: one issue per flaky or broken test on GitHub or GitLab, following the test (and
one per failure cluster new on the default branch: ``cluster_issues``).

It answers what the flaky analysis recorded, never a raw failure: a test's state change (flaky, broken,
fixed, healed, a relapse) and, for a test already followed, a completed run in which it failed again.
Each is a fix job keyed once (``issue:<test>:change:<change>``, ``issue:<test>:run:<run>``) whose act
re-reads the test's state and its issue's and does what ``decisions.issue`` says: open an issue, update it
in place, close it, or reopen it (``services/issue_filing`` does it, shared with cluster issues). The
issue itself is one ``Effect`` keyed ``issue:<test>`` holding its number, address and last known state;
before filing, the provider is searched for an issue carrying the test's hidden marker
(``services/issue_body.marker``), so a redelivered task or a lost record never files a second one. Opening
and updating count against ``issues.max_per_hour`` per project (flakybot, the model, limits its writes
likewise); an update held back by the limit happens on the test's next failure. An issue a person closed
while the test is still flaky or broken is left closed (``services/dismissals``).

A state change recorded outside a run (a person marking the test fixed) is answered by ``sweep``, every
minute, as well as by the project's next run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from hub.failures.models import Failure
from hub.flaky.models import StateChange, TestHealth, TestState
from hub.response import decisions
from hub.response.models import FixJob, FixState, Policy, Responder
from hub.response.policy import store
from hub.response.responders import cluster_issues
from hub.response.services import facts, fix_jobs, issue_body, issue_filing
from hub.runs.models import Run, RunStatus

log = logging.getLogger(__name__)

KIND = Responder.ISSUES
LOOKBACK = timedelta(days=1)  # state changes older than this are not answered any more
UNFINISHED = (FixState.PENDING, FixState.DISPATCHED, FixState.RUNNING)


def issue_key(test_id: int) -> str:
    return f"issue:{test_id}"


def consider(run: Run, policy: dict[str, Any], *, besides_upload: int | None = None) -> FixJob | None:
    """Answer the project's new state changes, then follow the tests (and, if the policy asks, the
    failure clusters on the default branch) that failed in ``run``."""
    rules = policy["issues"]
    tests = rules["flaky"] or rules["broken"]
    if not (tests or rules["new_cluster_on_default_branch"]):
        return None
    opened = answer_state_changes(run.project_id, rules) if tests else []
    if run.status == RunStatus.COMPLETED and not facts.analysis_pending(run, besides=besides_upload):
        opened += follow_failures(run, rules) if tests else []
        opened += cluster_issues.follow(run, rules)
    return opened[0] if opened else None


def answer_state_changes(project_id: int, rules: dict[str, Any], now: datetime | None = None) -> list[FixJob]:
    """A fix job for each test's latest state change in the last day that has none yet and asks for one."""
    since = (now or timezone.now()) - LOOKBACK
    latest: dict[int, StateChange] = {}
    for change in StateChange.objects.filter(project_id=project_id, at__gte=since).order_by("at", "id"):
        latest[change.test_id] = change
    keys = {test_id: f"issue:{test_id}:change:{change.pk}" for test_id, change in latest.items()}
    taken = set(
        FixJob.objects.filter(project_id=project_id, key__in=keys.values()).values_list("key", flat=True)
    )
    opened = []
    for test_id, key in keys.items():
        if key not in taken and (job := _open(project_id, test_id, key, rules)) is not None:
            opened.append(job)
    return opened


def follow_failures(run: Run, rules: dict[str, Any]) -> list[FixJob]:
    """A fix job for each test that failed in ``run`` and has no issue job under way (its issue is
    brought up to date, or opened if the test is flaky or broken and has none)."""
    failed = set(Failure.objects.filter(run=run).values_list("test_id", flat=True))
    busy = FixJob.objects.filter(project_id=run.project_id, responder=KIND, state__in=UNFINISHED)
    failed -= set(busy.filter(test_id__in=failed).values_list("test_id", flat=True))
    jobs = (
        _open(run.project_id, test_id, f"issue:{test_id}:run:{run.pk}", rules, run=run)
        for test_id in sorted(failed)
    )
    return [job for job in jobs if job is not None]


def _open(project_id: int, test_id: int, key: str, rules: dict[str, Any], **about: Any) -> FixJob | None:
    decision = _decide(project_id, test_id, rules)
    if decision.move == decisions.NOTHING:
        log.info("no issue job %s: %s", key, decision.reason)
        return None
    return fix_jobs.open_job(
        project_id, KIND, key, decision.reason, {"move": decision.move}, test_id=test_id, **about
    )


def _decide(project_id: int, test_id: int, rules: dict[str, Any]) -> decisions.IssueDecision:
    state = TestHealth.objects.filter(test_id=test_id).values_list("state", flat=True).first()
    issue_state = issue_filing.known_state(issue_key(test_id))
    return decisions.issue(
        state or TestState.HEALTHY,
        issue_state,
        rules,
        writes_last_hour=issue_filing.writes_last_hour(project_id),
    )


def act(job: FixJob) -> fix_jobs.Outcome:
    if job.key.startswith(cluster_issues.PREFIX):
        return cluster_issues.act(job)
    if job.test_id is None:
        return fix_jobs.Outcome(FixState.FAILED, "the test was pruned before its issue was filed")
    rules = store.effective(job.project)["issues"]
    decision = _decide(job.project_id, job.test_id, rules)
    if decision.move == decisions.NOTHING:
        return fix_jobs.Outcome(FixState.SUCCEEDED, f"nothing to do now: {decision.reason}")
    health = TestHealth.objects.filter(test_id=job.test_id).first() or TestHealth(test_id=job.test_id)
    content = issue_body.gather(job.test, health)
    filing = issue_filing.Filing(
        key=issue_key(job.test_id),
        marker=issue_body.marker(job.test_id),
        title=issue_body.title(content),
        fallback_title=content.test,
        body=issue_body.render(content),
    )
    return issue_filing.perform(job, decision, filing, rules["labels"])


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Nothing awaits a run: an issue job is settled by its own act (the next state change or failure
    is a new job)."""


def sweep(now: datetime | None = None) -> int:
    """Answer state changes made outside runs (a test marked fixed), and close the issues of failure
    clusters gone quiet, in every project whose policy files issues; returns the jobs opened."""
    opened = 0
    for policy in Policy.objects.select_related("project"):
        rules = store.effective(policy.project)["issues"]
        if rules["flaky"] or rules["broken"]:
            opened += len(answer_state_changes(policy.project_id, rules, now))
        if rules["new_cluster_on_default_branch"]:
            opened += len(cluster_issues.sweep_project(policy.project_id, rules, now))
    return opened
