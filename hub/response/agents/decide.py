"""Whether a completed run is handed to the coding agent, and with which strategy: pure functions.

A run is handed off when it failed, its analysis is done, a failure (a test's or, with no failed test, a
job's) falls in a category of ``route.coding_agent``, no failure is known flaky (the re-run responder
answers those), the run is not a pull request's, and the project has hand-offs left today. Pull-request
runs are never handed off: the hub does not record whether a pull request comes from a fork, and an agent
acting on a fork's run would act on untrusted code (docs/coding-agents.md, "Fork pull requests").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.response.agents.models import Strategy
from hub.response.decisions import FAILED_CONCLUSIONS, KNOWN_FLAKY, Decision, RunFacts

STRATEGIES = (Strategy.CONTEXT, Strategy.MORE_CONTEXT, Strategy.NARROW)


def strategy(attempt: int) -> str:
    """The seeds' strategy for agent run ``attempt`` (1-based): the context, more of it, then narrower;
    attempts past the third stay narrow."""
    return STRATEGIES[min(max(attempt, 1), len(STRATEGIES)) - 1]


def handoff(
    facts: RunFacts,
    categories: Sequence[str],
    rules: dict[str, Any],
    *,
    pull_request: bool,
    handoffs_today: int,
) -> Decision:
    if not categories:
        return Decision(False, "route.coding_agent lists no category")
    if facts.conclusion not in FAILED_CONCLUSIONS:
        return Decision(False, f"the run did not fail ({facts.conclusion or 'no conclusion'})")
    if facts.analysis_pending:
        return Decision(False, "an upload of the run is not analysed yet")
    if pull_request:
        return Decision(False, "a pull request's run is never handed to an agent (it may come from a fork)")
    failures = [f for job in facts.failed_jobs for f in job.failures]
    if any(f.state in KNOWN_FLAKY for f in failures):
        return Decision(False, "a failure is a known flaky test; the re-run responder answers it")
    found = sorted(
        {f.category for f in failures if f.category in categories}
        | {job.category for job in facts.failed_jobs if not job.failures and job.category in categories}
    )
    if not found:
        return Decision(False, f"no failure in the routed categories ({', '.join(categories)})")
    if rules["max_attempts"] < 1:
        return Decision(False, "agent.max_attempts is 0")
    if handoffs_today >= rules["max_per_day"]:
        return Decision(False, f"agent.max_per_day ({rules['max_per_day']}) hand-offs in 24 h are used")
    return Decision(True, f"failures in {', '.join(found)} go to the coding agent", {"categories": found})
