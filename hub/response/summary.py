"""What a notification says about a run, and who hears of it: plain data and pure functions.

``summarise`` turns the facts the hub has about a completed run (its header, and each failure with its
pull-request classification from hub.failures and its test's verdict from hub.flaky) into a
``RunSummary``: how many failures are new, known flaky, already failing on the base branch, quarantined,
and the first few of them, worst first. Every channel (``channels/``) renders the same summary, so Slack,
email and the pull-request comment never disagree. ``wanted`` decides from the policy's ``notify.when``
whether a run is worth a Slack message or an email; nothing here reads the database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hub.response.decisions import FAILED_CONCLUSIONS

MAX_LISTED = 10  # failures named in a message; the rest are counted

# Kinds of failure, worst first (the order they are listed in), with how a person reads them.
NEW = "new"
FAILED = "failed"  # not compared with a base branch (a branch run, or no base-branch history)
ALREADY_FAILING = "already_failing"
FLAKY = "flaky"
QUARANTINED = "quarantined"
KINDS: dict[str, str] = {
    NEW: "New failure",
    FAILED: "Failed",
    ALREADY_FAILING: "Already failing on the base branch",
    FLAKY: "Known flaky",
    QUARANTINED: "Quarantined",
}
FLAKY_STATES = frozenset({"flaky", "suspected"})

# notify.when: the runs a Slack message or an email is sent for.
EVENTS: dict[str, str] = {
    "failure": "any completed run that failed",
    "default_branch_failure": "a failed run of the default branch (not a pull request)",
    "new_failure": "a failed pull-request run with a failure that is new against its base branch",
}


@dataclass(frozen=True)
class RunHeader:
    """The run itself, as the message names it."""

    project: str
    run_id: str
    attempt: int
    url: str = ""
    workflow: str = ""
    branch: str = ""
    commit: str = ""
    pull_request: int | None = None
    default_branch: str = ""
    conclusion: str = ""
    tests: int = 0
    passed: int = 0
    skipped: int = 0


@dataclass(frozen=True)
class FailureFact:
    test: str
    job: str
    classification: str = ""  # hub.failures Classification, "" when the run is not a pull request's
    state: str = "healthy"  # hub.flaky TestState of the test


@dataclass(frozen=True)
class Listed:
    test: str
    job: str
    kind: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]


@dataclass(frozen=True)
class RunSummary:
    header: RunHeader
    counts: dict[str, int] = field(default_factory=dict)  # kind -> failures, kinds with none left out
    listed: tuple[Listed, ...] = ()
    unlisted: int = 0  # failures beyond MAX_LISTED

    @property
    def failures(self) -> int:
        return sum(self.counts.values())

    @property
    def failed(self) -> bool:
        return self.header.conclusion in FAILED_CONCLUSIONS

    @property
    def title(self) -> str:
        """One line: what ran, where, and how it ended."""
        h = self.header
        where = f"pull request #{h.pull_request}" if h.pull_request is not None else (h.branch or "a run")
        what = f"{h.workflow} " if h.workflow else ""
        ended = h.conclusion.replace("_", " ") or "completed"
        retry = f" (attempt {h.attempt})" if h.attempt > 1 else ""
        return f"{h.project}: {what}run {h.run_id}{retry} on {where}: {ended}"

    def breakdown(self) -> list[str]:
        """``New failure: 2``-style phrases, worst first; empty when nothing failed."""
        return [f"{KINDS[kind]}: {self.counts[kind]}" for kind in KINDS if self.counts.get(kind)]


def kind_of(fact: FailureFact) -> str:
    if fact.state == "quarantined":
        return QUARANTINED
    if fact.classification == "flaky" or fact.state in FLAKY_STATES:
        return FLAKY
    if fact.classification == "already_failing":
        return ALREADY_FAILING
    if fact.classification == "new":
        return NEW
    return FAILED


def summarise(header: RunHeader, failures: Iterable[FailureFact], limit: int = MAX_LISTED) -> RunSummary:
    """The run's summary: failures counted by kind, the first ``limit`` listed worst first."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    listed = sorted(
        {Listed(f.test, f.job, kind_of(f)) for f in failures},
        key=lambda item: (order[item.kind], item.test, item.job),
    )
    counts = Counter(item.kind for item in listed)
    return RunSummary(
        header=header,
        counts={kind: counts[kind] for kind in KINDS if counts[kind]},
        listed=tuple(listed[:limit]),
        unlisted=max(len(listed) - limit, 0),
    )


@dataclass(frozen=True)
class Decision:
    act: bool
    reason: str


def wanted(summary: RunSummary, when: Sequence[str]) -> Decision:
    """Whether the policy's ``notify.when`` events ask for a Slack message or an email about this run."""
    h = summary.header
    if not summary.failed:
        return Decision(False, f"the run ended {h.conclusion or 'without a conclusion'}, not a failure")
    if "failure" in when:
        return Decision(True, "the run failed (notify.when: failure)")
    on_default = h.pull_request is None and bool(h.branch) and h.branch == h.default_branch
    if "default_branch_failure" in when and on_default:
        return Decision(True, f"the default branch {h.branch} failed (notify.when: default_branch_failure)")
    if "new_failure" in when and summary.counts.get(NEW):
        return Decision(True, f"{summary.counts[NEW]} new failure(s) (notify.when: new_failure)")
    return Decision(False, f"no event of notify.when ({', '.join(when) or 'none'}) matches this run")


@dataclass(frozen=True)
class Delivery:
    """One message to send: a channel (slack, email, pull_request) and its target."""

    channel: str
    target: str  # the webhook URL (a secret: never shown), an address, a pull-request number

    def __str__(self) -> str:
        return "Slack" if self.channel == "slack" else f"{self.channel} {self.target}"


def audience(summary: RunSummary, rules: Mapping[str, Any]) -> tuple[list[Delivery], str]:
    """Who hears of this run under the policy's ``notify`` section, and why (or why nobody does).
    The pull-request comment follows every completed run of the pull request, green ones too, so it
    always shows the latest; Slack and email follow ``notify.when``."""
    deliveries: list[Delivery] = []
    reasons = []
    pull_request = summary.header.pull_request
    if rules["pull_request_comment"] and pull_request is not None:
        deliveries.append(Delivery("pull_request", str(pull_request)))
        reasons.append(f"pull request #{pull_request} gets its summary (notify.pull_request_comment)")
    if rules["slack_webhook_url"] or rules["emails"]:
        decision = wanted(summary, rules["when"])
        if decision.act:
            if rules["slack_webhook_url"]:
                deliveries.append(Delivery("slack", rules["slack_webhook_url"]))
            deliveries += [Delivery("email", address) for address in rules["emails"]]
        reasons.append(decision.reason)
    return deliveries, "; ".join(reasons) or "no notify target in the policy"
