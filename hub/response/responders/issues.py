"""The issues responder: one issue per flaky or broken test on GitHub or GitLab, following the test.

It answers what the flaky analysis recorded, never a raw failure: a test's state change (flaky, broken,
fixed, healed, a relapse) and, for a test already followed, a completed run in which it failed again.
Each is a fix job keyed once (``issue:<test>:change:<change>``, ``issue:<test>:run:<run>``) whose act
re-reads the test's state and its issue's and does what ``decisions.issue`` says: open an issue, update it
in place, close it, or reopen it. The issue itself is one ``Effect`` keyed ``issue:<test>`` holding its
number, address and last known state; before filing, the provider is searched for an issue carrying the
test's hidden marker (``services/issue_body.marker``), so a redelivered task or a lost record never files
a second one. Opening and updating count against ``issues.max_per_hour`` per project (flakybot, the
model, limits its writes likewise); an update held back by the limit happens on the test's next failure.

A state change recorded outside a run (a person marking the test fixed) is answered by ``sweep``, every
minute, as well as by the project's next run.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from agent.providers import Provider
from agent.providers.base import AuthenticationError, NotFoundError, UnsupportedOperation
from agent.providers.issues import CLOSED, OPEN, IssueInfo
from hub.failures.models import Failure
from hub.flaky.models import StateChange, TestHealth, TestState
from hub.integrations.clients import ClientUnavailable, client_for
from hub.response import decisions
from hub.response.models import Effect, EffectState, FixJob, FixJobEvent, FixState, Policy, Responder
from hub.response.policy import store
from hub.response.services import effects, facts, fix_jobs, issue_body
from hub.runs.models import Run, RunStatus

log = logging.getLogger(__name__)

KIND = Responder.ISSUES
LOOKBACK = timedelta(days=1)  # state changes older than this are not answered any more
UNFINISHED = (FixState.PENDING, FixState.DISPATCHED, FixState.RUNNING)
# The provider's answer was a sure "no": trying again changes nothing until someone fixes the setup.
REFUSALS = (ClientUnavailable, AuthenticationError, NotFoundError, UnsupportedOperation, effects.Refused)
DONE_AS = {decisions.OPEN: "opened", decisions.UPDATE: "updated", decisions.CLOSE: "closed",
           decisions.REOPEN: "reopened"}  # fmt: skip


class IssueInFlight(Exception):
    """Another worker is filing this test's issue right now; this attempt waits for it (backoff)."""


def issue_key(test_id: int) -> str:
    return f"issue:{test_id}"


def consider(run: Run, policy: dict[str, Any], *, besides_upload: int | None = None) -> FixJob | None:
    """Answer the project's new state changes, then follow the tests that failed again in ``run``."""
    rules = policy["issues"]
    if not (rules["flaky"] or rules["broken"]):
        return None
    opened = answer_state_changes(run.project_id, rules)
    if run.status == RunStatus.COMPLETED and not facts.analysis_pending(run, besides=besides_upload):
        opened += follow_failures(run, rules)
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
    effect = Effect.objects.filter(key=issue_key(test_id), state=EffectState.DONE).first()
    issue_state = effect.detail.get("state", OPEN) if effect is not None else None
    return decisions.issue(
        state or TestState.HEALTHY, issue_state, rules, writes_last_hour=writes_last_hour(project_id)
    )


def writes_last_hour(project_id: int, now: datetime | None = None) -> int:
    """Issues opened, updated, closed or reopened for the project's tests in the last hour."""
    return FixJobEvent.objects.filter(
        fix_job__project_id=project_id, fix_job__responder=KIND, to_state=FixState.SUCCEEDED,
        at__gte=(now or timezone.now()) - timedelta(hours=1), detail__wrote=True,
    ).count()  # fmt: skip


def act(job: FixJob) -> fix_jobs.Outcome:
    if job.test_id is None:
        return fix_jobs.Outcome(FixState.FAILED, "the test was pruned before its issue was filed")
    rules = store.effective(job.project)["issues"]
    decision = _decide(job.project_id, job.test_id, rules)
    if decision.move == decisions.NOTHING:
        return fix_jobs.Outcome(FixState.SUCCEEDED, f"nothing to do now: {decision.reason}")
    health = TestHealth.objects.filter(test_id=job.test_id).first() or TestHealth(test_id=job.test_id)
    content = issue_body.gather(job.test, health)
    try:
        issue = _apply(job, client_for(job.project), decision.move, content, rules["labels"])
    except REFUSALS as refusal:
        return fix_jobs.Outcome(
            FixState.FAILED, f"the provider refused to {decision.move} the issue: {refusal}"
        )
    return fix_jobs.Outcome(
        FixState.SUCCEEDED,
        f"{DONE_AS[decision.move]} issue #{issue.number}: {decision.reason}",
        {"wrote": True, "move": decision.move, "issue": issue.number, "url": issue.url},
    )


def _apply(
    job: FixJob, client: Provider, move: str, content: issue_body.IssueFacts, labels: list[str]
) -> IssueInfo:
    """Make the provider's issue what ``move`` says; the issue's record (the effect) follows."""
    title, body = issue_body.title(content), issue_body.render(content)
    key = issue_key(content.test_id)
    if move == decisions.OPEN:
        filed = _file(
            job, client, key, issue_body.marker(content.test_id), title or content.test, body, labels
        )
        if filed is not None:
            return filed
    effect = Effect.objects.get(key=key)
    try:
        issue = client.update_issue(
            effect.external_id, title=title, body=body, state=CLOSED if move == decisions.CLOSE else OPEN
        )
    except NotFoundError:
        # Deleted or moved by a person: forgotten, so the test's next state change or failure files anew.
        effect.state = EffectState.FAILED
        effect.detail = {**effect.detail, "error": f"issue #{effect.external_id} no longer exists"}
        effect.save(update_fields=["state", "detail", "updated_at"])
        raise
    _remember(effect, issue)
    return issue


def _file(
    job: FixJob, client: Provider, key: str, marker: str, title: str, body: str, labels: list[str]
) -> IssueInfo | None:
    """File the test's issue once; returns it when this call created it, None when an existing one (found
    by its marker) was adopted and is to be brought up to date."""
    lease = timezone.now() - fix_jobs.lease()
    if (
        Effect.objects.filter(key=key, state=EffectState.INTENDED, updated_at__gt=lease)
        .exclude(fix_job=job)
        .exists()
    ):
        raise IssueInFlight("another worker is filing this test's issue; trying again after it")
    created: list[IssueInfo] = []

    def find() -> effects.Made | None:
        found = client.find_issue(labels, marker)
        return None if found is None else _made(found)

    def create() -> effects.Made:
        found = find()
        if found is not None:
            return found
        created.append(client.create_issue(title, body, labels))
        return _made(created[0])

    effects.once(job, key, "issue", create, find)
    return created[0] if created else None


def _made(issue: IssueInfo) -> effects.Made:
    return effects.Made(issue.number, issue.url, {"state": issue.state})


def _remember(effect: Effect, issue: IssueInfo) -> None:
    effect.external_url = issue.url or effect.external_url
    effect.detail = {**effect.detail, "state": issue.state}
    effect.save(update_fields=["external_url", "detail", "updated_at"])


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Nothing awaits a run: an issue job is settled by its own act (the next state change or failure
    is a new job)."""


def sweep(now: datetime | None = None) -> int:
    """Answer state changes made outside runs (a test marked fixed) in every project whose policy files
    issues; returns the jobs opened."""
    opened = 0
    for policy in Policy.objects.select_related("project"):
        rules = store.effective(policy.project)["issues"]
        if rules["flaky"] or rules["broken"]:
            opened += len(answer_state_changes(policy.project_id, rules, now))
    return opened
