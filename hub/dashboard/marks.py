"""How a status looks: a colour family, a word and a glyph, so no reader depends on colour alone.

Pure data over the models' vocabularies (runs, jobs, results, test states, fix jobs, classifications);
templates ask ``mark(kind, value)`` and render the three together. The colour families are the
Okabe-Ito palette's, darkened until white text on them passes WCAG AA (dashboard.css), and each family
has its own glyph: a reader who cannot tell blue from orange still tells ✓ from ≈.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mark:
    tone: str  # the CSS family: pass, fail, flaky, warn, running, muted
    word: str
    glyph: str


PASS = "✓"  # noqa: S105 - a glyph, not a password
FAIL = "✗"
FLAKY = "≈"
WARN = "!"
RUNNING = "▶"
WAITING = "…"
NONE = "○"
STOP = "⊘"

_MARKS: dict[str, dict[str, Mark]] = {
    "run": {
        "success": Mark("pass", "Passed", PASS),
        "failure": Mark("fail", "Failed", FAIL),
        "timed_out": Mark("fail", "Timed out", FAIL),
        "cancelled": Mark("muted", "Cancelled", STOP),
        "skipped": Mark("muted", "Skipped", NONE),
        "neutral": Mark("muted", "Neutral", NONE),
        "in_progress": Mark("running", "Running", RUNNING),
        "queued": Mark("running", "Queued", WAITING),
        "completed": Mark("muted", "Completed", NONE),
    },
    "result": {
        "passed": Mark("pass", "Passed", PASS),
        "failed": Mark("fail", "Failed", FAIL),
        "error": Mark("fail", "Error", FAIL),
        "skipped": Mark("muted", "Skipped", NONE),
        "retried": Mark("flaky", "Passed on retry", FLAKY),
    },
    "state": {
        "healthy": Mark("pass", "Healthy", PASS),
        "suspected": Mark("warn", "Suspected flaky", WARN),
        "flaky": Mark("flaky", "Flaky", FLAKY),
        "broken": Mark("fail", "Broken", FAIL),
        "quarantined": Mark("muted", "Quarantined", STOP),
        "fixed": Mark("pass", "Fixed", PASS),
    },
    "fix": {
        "pending": Mark("running", "Pending", WAITING),
        "dispatched": Mark("running", "Dispatched", WAITING),
        "running": Mark("running", "Running", RUNNING),
        "awaiting_verification": Mark("running", "Awaiting verification", WAITING),
        "succeeded": Mark("pass", "Succeeded", PASS),
        "failed": Mark("fail", "Failed", FAIL),
        "cancelled": Mark("muted", "Cancelled", STOP),
        "dead": Mark("fail", "Dead", FAIL),
    },
    "classification": {
        "new": Mark("fail", "New failure", FAIL),
        "flaky": Mark("flaky", "Known flaky", FLAKY),
        "already_failing": Mark("warn", "Already failing on base", WARN),
        "no_baseline": Mark("muted", "No base history", NONE),
        "quarantined": Mark("muted", "Quarantined", STOP),
        "": Mark("muted", "Not classified", NONE),
    },
}

UNKNOWN = Mark("muted", "Unknown", NONE)
KINDS = tuple(_MARKS)


def mark(kind: str, value: str | None) -> Mark:
    """The mark of ``value`` in vocabulary ``kind``; an unknown value reads as itself, muted."""
    found = _MARKS[kind].get(value or "")
    if found is not None:
        return found
    return Mark("muted", (value or "unknown").replace("_", " ").capitalize(), NONE) if value else UNKNOWN


def run_mark(status: str, conclusion: str) -> Mark:
    """A run or job: its conclusion once completed, its status before."""
    return mark("run", conclusion if status == "completed" and conclusion else status)


def result_mark(status: str, retried: bool) -> Mark:
    """A final result; a pass after failed attempts in the same job is flaky, not a plain pass."""
    return mark("result", "retried" if retried and status == "passed" else status)
