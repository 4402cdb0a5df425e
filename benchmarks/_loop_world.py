"""The loop benchmark's simulated world: scenarios with known truth, drawn from a seeded RNG.

Plain Python, no Django: ``_loop_drive.py`` plays these plans against the hub, ``_loop_score.py``
scores what the hub did against the truth kept here. Each instance of a scenario is one red run on
``main`` and the fix the simulated agent (the fix workflow) writes for it, round after round. A *head*
is one commit the agent pushed to the fix branch; its truth says whether merging it would be right
(the fix works, nothing else broke, the application starts), and each CI run on it draws its outcome
from that truth (a flaky test that was not fixed keeps failing at its rate ``p`` on every run).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

WORKS, BREAKS, FLAKY, TIMEOUT, INVALID = "works", "breaks", "flaky", "timeout", "invalid"
SCENARIOS = (WORKS, BREAKS, FLAKY, TIMEOUT, INVALID)
TITLES = {
    WORKS: "a fix that works",
    BREAKS: "a fix that breaks another test",
    FLAKY: "a flaky test's fix that does not fix it",
    TIMEOUT: "an agent that times out (no pull request)",
    INVALID: "a fix whose validation fails",
}
IMPORT_ERROR = "ModuleNotFoundError: No module named 'yaml'"
TIMING = "AssertionError: expected 3 widgets on the page, saw 2"
BROKEN = "AssertionError: 2 != 3"
SECOND_ROUND_WORKS = 0.5  # a fix that broke another test: the chance the agent's second round is right
# Simulated minutes: how long the agent's fix workflow and a CI run on the fix take (uniform ranges).
FIX_MINUTES = (2.0, 8.0)
CI_MINUTES = (4.0, 12.0)


@dataclass(frozen=True)
class Head:
    """One commit the agent pushed: whether merging it is right, and what its CI runs do."""

    good: bool  # the truth: it fixes the failure, breaks nothing, the application starts
    broken_test: str = ""  # a test this commit breaks (fails on every run)
    flaky_test: str = ""  # a flaky test it did not fix (fails at ``flaky_rate`` on every run)
    flaky_rate: float = 0.0
    validates: bool = True  # ``orchestrate validate`` (build, start, health check) on this head

    def failing(self, rng: random.Random) -> list[tuple[str, str]]:
        """The tests one CI run on this head fails, with their messages (drawn: a flaky test may pass)."""
        failed = [(self.broken_test, BROKEN)] if self.broken_test else []
        if self.flaky_test and rng.random() < self.flaky_rate:
            failed.append((self.flaky_test, TIMING))
        return failed


@dataclass
class Instance:
    """One red run and the agent's behaviour on it; ``rng`` draws its CI outcomes and durations."""

    scenario: str
    index: int
    rng: random.Random
    flaky_rate: float
    red_test: str  # the test that failed on main
    red_message: str
    heads: list[Head] = field(default_factory=list)  # what the agent pushes, round 1 first

    @property
    def key(self) -> str:
        return f"{self.scenario}-{self.index}"

    def head(self, round_number: int) -> Head | None:
        """The agent's commit in round ``round_number`` (1 first); None: it times out, no pull request."""
        if self.scenario == TIMEOUT:
            return None
        return self.heads[min(round_number, len(self.heads)) - 1]

    def minutes(self, span: tuple[float, float]) -> float:
        return self.rng.uniform(*span)


def plan(scenario: str, index: int, seed: int, flaky_rate: float) -> Instance:
    """Instance ``index`` of ``scenario``: the same seed plans and plays it the same way."""
    rng = random.Random(f"{seed}:{scenario}:{index}")
    test = f"test_{scenario}_{index}"
    instance = Instance(scenario, index, rng, flaky_rate, test, IMPORT_ERROR)
    if scenario == WORKS:
        instance.heads = [Head(good=True)]
    elif scenario == BREAKS:
        broke = Head(good=False, broken_test=f"test_neighbour_of_{scenario}_{index}")
        second = Head(good=True) if rng.random() < SECOND_ROUND_WORKS else broke
        instance.heads = [broke, second]
    elif scenario == FLAKY:
        instance.red_message = TIMING
        instance.heads = [Head(good=False, flaky_test=test, flaky_rate=flaky_rate)]
    elif scenario == INVALID:
        instance.heads = [Head(good=False, validates=False)]
    elif scenario != TIMEOUT:
        raise ValueError(f"unknown scenario {scenario!r}: use {', '.join(SCENARIOS)}")
    return instance
