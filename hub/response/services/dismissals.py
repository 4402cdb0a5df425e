"""Issues closed as "not a problem": an issue the hub opened, closed by a person while the hub still saw the
problem (the test still flaky or broken, the failure cluster still recurring).

The hub learns it two ways: the provider's issues webhook (GitHub's ``issues`` event, GitLab's Issue Hook)
says an issue was closed or reopened, and the issues responder's next update finds closed an issue it had
kept open (``issue_filing.apply``). Either way the issue's record (its ``Effect``) is marked ``dismissed``
with who closed it, when and why where the provider says; the hub then leaves the issue closed (a person's
decision) until the problem clears, and counts it in the false-positive rate (docs/metrics.md). A close of
an issue whose problem had already cleared is the hub's own close or agrees with it: recorded as closed.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from agent.providers.issues import CLOSED, OPEN, IssueInfo
from hub.flaky.models import TestHealth
from hub.projects.models import Project
from hub.response import decisions
from hub.response.models import Effect, EffectState


def record(
    effect: Effect, issue: IssueInfo | None = None, *, seen: str, by: str = "", reason: str = ""
) -> None:
    """Mark ``effect``'s issue dismissed, adding who, when and why to its ``dismissals`` (the metrics
    count each); an issue already dismissed is left as it is (the webhook and the sync may both see it)."""
    if effect.detail.get("state") == decisions.DISMISSED:
        return
    raw: dict[str, Any] = issue.raw if issue is not None else {}
    closer = raw.get("closed_by") if isinstance(raw.get("closed_by"), dict) else {}
    dismissal = {
        "at": timezone.now().isoformat(),
        "by": by or str(closer.get("login") or closer.get("username") or ""),
        "reason": reason or str(raw.get("state_reason") or ""),
        "seen": seen,
    }
    earlier = effect.detail.get("dismissals") if isinstance(effect.detail.get("dismissals"), list) else []
    effect.detail = {**effect.detail, "state": decisions.DISMISSED, "dismissals": [*earlier, dismissal]}
    if issue is not None and issue.url:
        effect.external_url = issue.url
    effect.save(update_fields=["detail", "external_url", "updated_at"])


def still_a_problem(effect: Effect) -> bool:
    """Whether the hub still sees what the issue is about: its test flaky or broken, its cluster going on."""
    from hub.response.responders import cluster_issues  # it files through issue_filing, which uses this

    if effect.key.startswith(cluster_issues.PREFIX):
        return cluster_issues.still_going_on(int(effect.key.removeprefix(cluster_issues.PREFIX)))
    test_id = int(effect.key.removeprefix("issue:"))
    state = TestHealth.objects.filter(test_id=test_id).values_list("state", flat=True).first()
    return state in decisions.ISSUE_KINDS


def issue_event(project: Project, number: str, state: str, *, by: str, reason: str = "") -> str:
    """A provider said issue ``number`` of ``project`` is now ``state`` (``open`` or ``closed``) by
    ``by``; returns what the hub made of it, for the delivery's outcome."""
    effect = (
        Effect.objects.filter(
            kind="issue", state=EffectState.DONE, external_id=str(number), fix_job__project=project
        )
        .order_by("-updated_at")
        .first()
    )
    if effect is None:
        return f"issue #{number} is not one the hub filed"
    known = effect.detail.get("state", OPEN)
    if state == OPEN:
        if known == OPEN:
            return f"issue #{number} is open, as the hub knew"
        effect.detail = {**effect.detail, "state": OPEN, "reopened_by": by}
        effect.save(update_fields=["detail", "updated_at"])
        return f"issue #{number} was reopened by {by or 'a person'}; the hub keeps it in step again"
    if known != OPEN:
        return f"issue #{number} is {known}, as the hub knew"
    if not still_a_problem(effect):
        effect.detail = {**effect.detail, "state": CLOSED}
        effect.save(update_fields=["detail", "updated_at"])
        return f"issue #{number} was closed and its problem has cleared"
    record(effect, seen="from the provider's issues webhook", by=by, reason=reason)
    return f"issue #{number} was closed by {by or 'a person'} while the problem goes on: not a problem"
