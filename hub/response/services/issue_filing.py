"""Filing one issue and keeping it in step: the part the test issues and the failure-cluster issues share.

An issue is one ``Effect`` keyed by what it follows (``issue:<test id>``, ``issue:cluster:<cluster id>``),
holding its number, address and last known state. Opening goes through ``effects.once``, searching the
provider first for an issue carrying the hidden marker, so a redelivered task or a lost record never files
a second one. An update changes the title and body but not the state: if the provider answers that the
issue is closed although the hub kept it open, a person closed it while the hub still saw the problem,
and it is recorded as dismissed ("not a problem") and left closed (``dismissals``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from agent.providers import Provider
from agent.providers.base import AuthenticationError, NotFoundError, UnsupportedOperation
from agent.providers.issues import CLOSED, OPEN, IssueInfo
from hub.integrations.clients import ClientUnavailable, client_for
from hub.response import decisions
from hub.response.models import Effect, EffectState, FixJob, FixJobEvent, FixState, Responder
from hub.response.services import dismissals, effects, fix_jobs

# The provider's answer was a sure "no": trying again changes nothing until someone fixes the setup.
REFUSALS = (ClientUnavailable, AuthenticationError, NotFoundError, UnsupportedOperation, effects.Refused)
DONE_AS = {decisions.OPEN: "opened", decisions.UPDATE: "updated", decisions.CLOSE: "closed",
           decisions.REOPEN: "reopened"}  # fmt: skip
TARGET_STATE = {decisions.OPEN: OPEN, decisions.REOPEN: OPEN, decisions.CLOSE: CLOSED}  # UPDATE: unchanged


class IssueInFlight(Exception):
    """Another worker is filing this issue right now; this attempt waits for it (backoff)."""


@dataclass(frozen=True)
class Filing:
    """What one issue is: its record's key, its hidden marker, and what it should say now."""

    key: str
    marker: str
    title: str | None  # None: keep the title it has
    fallback_title: str  # when opening without a title of its own
    body: str


def perform(
    job: FixJob, decision: decisions.IssueDecision, filing: Filing, labels: list[str]
) -> fix_jobs.Outcome:
    """Do ``decision`` to the issue ``filing`` describes and say how it went (test and cluster issues)."""
    was = known_state(filing.key)
    try:
        issue = apply(job, client_for(job.project), decision.move, filing, labels)
    except REFUSALS as refusal:
        return fix_jobs.Outcome(
            FixState.FAILED, f"the provider refused to {decision.move} the issue: {refusal}"
        )
    detail = {"wrote": True, "move": decision.move, "issue": issue.number, "url": issue.url, "was": was}
    if known_state(filing.key) == decisions.DISMISSED:
        return fix_jobs.Outcome(
            FixState.SUCCEEDED,
            f"issue #{issue.number} was closed by a person while the problem goes on: recorded as not a "
            "problem and left closed",
            {**detail, "dismissed": True},
        )
    return fix_jobs.Outcome(
        FixState.SUCCEEDED, f"{DONE_AS[decision.move]} issue #{issue.number}: {decision.reason}", detail
    )


def writes_last_hour(project_id: int, now: datetime | None = None) -> int:
    """Issues opened, updated, closed or reopened for the project's tests and clusters in the last hour."""
    return FixJobEvent.objects.filter(
        fix_job__project_id=project_id, fix_job__responder=Responder.ISSUES, to_state=FixState.SUCCEEDED,
        at__gte=(now or timezone.now()) - timedelta(hours=1), detail__wrote=True,
    ).count()  # fmt: skip


def known_state(key: str) -> str | None:
    """The issue's last known state (``open``, ``closed``, ``dismissed``), None when none is filed."""
    effect = Effect.objects.filter(key=key, state=EffectState.DONE).first()
    return effect.detail.get("state", OPEN) if effect is not None else None


def apply(job: FixJob, client: Provider, move: str, filing: Filing, labels: list[str]) -> IssueInfo:
    """Make the provider's issue what ``move`` says; the issue's record (the effect) follows."""
    if move == decisions.OPEN:
        filed = _file(job, client, filing, labels)
        if filed is not None:
            return filed
    effect = Effect.objects.get(key=filing.key)
    state = TARGET_STATE.get(move)
    try:
        issue = client.update_issue(effect.external_id, title=filing.title, body=filing.body, state=state)
    except NotFoundError:
        # Deleted or moved by a person: forgotten, so the next change or failure files anew.
        effect.state = EffectState.FAILED
        effect.detail = {**effect.detail, "error": f"issue #{effect.external_id} no longer exists"}
        effect.save(update_fields=["state", "detail", "updated_at"])
        raise
    if move == decisions.UPDATE and issue.state == CLOSED and effect.detail.get("state", OPEN) == OPEN:
        dismissals.record(effect, issue, seen="when the hub next updated the issue")
    else:
        _remember(effect, issue)
    return issue


def _file(job: FixJob, client: Provider, filing: Filing, labels: list[str]) -> IssueInfo | None:
    """File the issue once; returns it when this call created it, None when an existing one (found by
    its marker) was adopted and is to be brought up to date."""
    lease = timezone.now() - fix_jobs.lease()
    if (
        Effect.objects.filter(key=filing.key, state=EffectState.INTENDED, updated_at__gt=lease)
        .exclude(fix_job=job)
        .exists()
    ):
        raise IssueInFlight("another worker is filing this issue; trying again after it")
    created: list[IssueInfo] = []

    def find() -> effects.Made | None:
        found = client.find_issue(labels, filing.marker)
        return None if found is None else _made(found)

    def create() -> effects.Made:
        found = find()
        if found is not None:
            return found
        created.append(client.create_issue(filing.title or filing.fallback_title, filing.body, labels))
        return _made(created[0])

    effects.once(job, filing.key, "issue", create, find)
    return created[0] if created else None


def _made(issue: IssueInfo) -> effects.Made:
    return effects.Made(issue.number, issue.url, {"state": issue.state})


def _remember(effect: Effect, issue: IssueInfo) -> None:
    effect.external_url = issue.url or effect.external_url
    effect.detail = {**effect.detail, "state": issue.state}
    effect.save(update_fields=["external_url", "detail", "updated_at"])
