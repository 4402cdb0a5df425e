"""What a test's issue says: its title and body, gathered from the test's verdict and rendered as Markdown.

``gather`` reads the facts (the verdict's evidence sentences, onset and impact from ``TestHealth``, the
latest state change's reason, the most recent failures with their runs); ``render`` is a pure function of
them, so the body is pinned by plain tests. The body is bounded: a few failures, each line cut short, the
whole under GitHub's 65,536-character limit. Failure messages and traces are left out: they may carry
secrets and the hub has no redaction of its own yet; the run links lead to them.

The body starts with a hidden marker naming the test (``<!-- orchestrate:test:<id> -->``): the issues
responder finds an issue by it before it files one, so a lost record never files a second issue.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings

from hub.failures.models import Failure
from hub.flaky.models import StateChange, TestHealth
from hub.runs.models import Test

RECENT_FAILURES = 5
MAX_LINE = 300
MAX_TITLE = 200
MAX_BODY = 60_000
TITLES = {"flaky": "Flaky", "quarantined": "Flaky", "broken": "Broken"}


def marker(test_id: int) -> str:
    return f"<!-- orchestrate:test:{test_id} -->"


@dataclass(frozen=True)
class RecentFailure:
    at: datetime
    run: str  # the run's link text: provider run id and attempt
    url: str
    branch: str
    sha: str
    category: str


@dataclass(frozen=True)
class IssueFacts:
    test_id: int
    test: str
    state: str
    state_reason: str
    page_url: str
    evidence: list[str] = field(default_factory=list)
    onset_sha: str = ""
    onset_url: str = ""
    first_failure_at: datetime | None = None
    runs_affected: int = 0
    pull_requests_affected: int = 0
    time_lost: float = 0.0
    recent: list[RecentFailure] = field(default_factory=list)


def gather(test: Test, health: TestHealth) -> IssueFacts:
    change = StateChange.objects.filter(test=test).only("reason").first()
    failures = Failure.objects.filter(test=test).select_related("run").order_by("-created_at", "-id")
    return IssueFacts(
        test_id=test.pk,
        test=str(test),
        state=health.state,
        state_reason=change.reason if change is not None else "",
        page_url=f"{settings.SITE_URL}/admin/flaky/testhealth/{test.pk}/change/",
        evidence=[str(item.get("sentence", "")) for item in health.evidence if isinstance(item, dict)],
        onset_sha=health.onset_sha,
        onset_url=health.onset_run.url if health.onset_run is not None else "",
        first_failure_at=health.first_failure_at,
        runs_affected=health.runs_affected,
        pull_requests_affected=health.pull_requests_affected,
        time_lost=health.time_lost,
        recent=[
            RecentFailure(
                at=f.created_at,
                run=f"{f.run.provider_run_id} (attempt {f.run.attempt})",
                url=f.run.url or f"{settings.SITE_URL}/admin/runs/run/{f.run_id}/change/",
                branch=f.run.branch,
                sha=f.run.commit_sha[:12],
                category=f.category,
            )
            for f in failures[:RECENT_FAILURES]
        ],
    )


def title(facts: IssueFacts) -> str | None:
    """``Flaky test: NAME`` or ``Broken test: NAME``; None for a cleared test (its title stays)."""
    kind = TITLES.get(facts.state)
    return fold(f"{kind} test: {facts.test}", MAX_TITLE) if kind else None


def render(facts: IssueFacts) -> str:
    lines = [
        marker(facts.test_id),
        f"**{facts.test}** is **{facts.state}**: {fold(facts.state_reason)}",
        "",
        "This issue follows the test: Orchestrate updates it in place, closes it when the test is fixed "
        "or heals, and reopens it if the test fails again.",
        "",
        "### Evidence",
        *[f"- {fold(sentence)}" for sentence in facts.evidence if sentence],
        "",
        "### Onset and impact",
        f"- First failure: {stamp(facts.first_failure_at)}"
        + (f", from commit [{facts.onset_sha[:12]}]({facts.onset_url})" if facts.onset_url else "")
        + (f", from commit {facts.onset_sha[:12]}" if facts.onset_sha and not facts.onset_url else ""),
        f"- Runs affected: {facts.runs_affected}; pull requests affected: {facts.pull_requests_affected}",
        f"- CI time lost: {_duration(facts.time_lost)}",
        "",
        f"### Recent failures (latest {len(facts.recent)})",
        *[
            f"- {stamp(f.at)}: [run {f.run}]({f.url}) on `{fold(f.branch, 100)}` at {f.sha} ({f.category})"
            for f in facts.recent
        ],
        "",
        f"[The test in Orchestrate]({facts.page_url})",
    ]
    return cut("\n".join(lines), MAX_BODY)


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fold(text: str, limit: int = MAX_LINE) -> str:
    """One line of a person's text (a reason, a sentence): its whitespace folded, cut to ``limit``."""
    return cut(" ".join(text.split()), limit)


def stamp(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else "unknown"


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
