"""What a fix job's page shows beyond its timeline, read from what the response services recorded: each
merge decision with its reasons and the ``orchestrate validate`` result (the timeline entries
``merging.record`` writes), and the fixer's rounds (``fix_rounds.rounds``: round 1 is the first
dispatch, each later one names the red run that started it)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

VALIDATE = "validate"


@dataclass(frozen=True)
class ShownReason:
    rule: str
    verdict: str
    message: str


@dataclass(frozen=True)
class ShownDecision:
    at: datetime
    verdict: str
    pull_request: str
    head_sha: str
    passed: tuple[str, ...]
    reasons: tuple[ShownReason, ...]
    validate: str  # "passed", the validate rule's own message, or "" when the rule was not applied


@dataclass(frozen=True)
class ShownRound:
    number: int
    url: str
    external_id: str
    after_run: int | None  # the red run that started it (none for round 1)
    at: datetime


def merge_decisions(events: Iterable[Any]) -> list[ShownDecision]:
    """The timeline's merge decisions, oldest first; other entries are left out."""
    shown = []
    for event in events:
        detail = event.detail or {}
        if "verdict" not in detail or "reasons" not in detail:
            continue
        reasons = tuple(ShownReason(r["rule"], r["verdict"], r["message"]) for r in detail["reasons"])
        passed = tuple(detail.get("passed") or ())
        shown.append(ShownDecision(event.at, detail["verdict"], str(detail.get("pull_request") or ""),
                                   detail.get("head_sha") or "", passed, reasons,
                                   _validate(passed, reasons)))  # fmt: skip
    return shown


def _validate(passed: tuple[str, ...], reasons: tuple[ShownReason, ...]) -> str:
    if VALIDATE in passed:
        return "passed"
    return next((reason.message for reason in reasons if reason.rule == VALIDATE), "")


def rounds(effects: Iterable[Any]) -> list[ShownRound]:
    """The fixer's dispatched rounds (as ``fix_rounds.rounds`` orders them), numbered from 1."""
    shown = []
    for number, effect in enumerate(effects, start=1):
        after = effect.detail.get("after_run")
        shown.append(ShownRound(number, effect.external_url, effect.external_id, after, effect.created_at))
    return shown
