"""The branch signal: a failure on a pull request (or another branch) that stood alone, while the default
branch passed around it and the same pull request passed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from hub.flaky.signals.executions import PASSED, Execution


class BranchFailure(NamedTuple):
    """A failure on a branch other than the default one, with the runs that make it evidence."""

    line: str  # the pull request ("#12") or, for a branch pushed without one, the branch name
    before: Execution  # the default-branch run before the failure began, which passed
    after: Execution  # the default-branch run after it began, which passed
    failed: Execution  # the first failure of the episode
    passed: Execution  # the next run on the same line and job name, which passed


@dataclass(slots=True)
class _Episode:
    line: str
    before: Execution
    failed: Execution
    after: Execution | None = None
    passed: Execution | None = None


def branch_failures(usable: list[Execution], strong_jobs: set[int]) -> list[BranchFailure]:
    """Failures off the default branch that stood alone: the default branch passed on its runs right
    before and right after the failure began (the code it branched from was fine), and the same pull
    request passed again on a later run of the same job (the failure did not last). One per pull
    request: a pull request may break a test and fix it on its own branch, which looks the same, so only
    *different* pull requests are independent evidence (``detection.judge`` counts them with the default
    branch's isolated failures).

    A pull request branched from a broken default branch fails from its first run, next to the default
    branch's failures, so it is not counted even when its CI reported before the default branch's did.
    A failure still awaiting its pull request's next run is not evidence yet. ``usable`` is every usable
    execution in arrival order; failures in ``strong_jobs`` (a retry or a same-commit pass) are counted
    by their own signal."""
    found: dict[str, BranchFailure] = {}
    before: Execution | None = None  # the latest default-branch execution so far
    episodes: dict[tuple[str, str], _Episode | None] = {}  # open failures by line and job name
    waiting: list[_Episode] = []  # episodes without a default-branch run after their start yet

    def stood_alone(episode: _Episode) -> None:
        after, passed = episode.after, episode.passed
        if after is not None and passed is not None and not after.final_failed:
            found[episode.line] = BranchFailure(episode.line, episode.before, after, episode.failed, passed)

    for e in usable:
        if e.default:
            for episode in waiting:
                episode.after = e
                stood_alone(episode)
            waiting.clear()
            before = e
            continue
        line = f"#{e.pull_request}" if e.pull_request else e.branch
        key = (line, e.job_name)
        if e.final_failed and e.job_id not in strong_jobs:
            if key not in episodes:
                fine = before is not None and not before.final_failed
                episodes[key] = _Episode(line, before, e) if fine else None
                if fine:
                    waiting.append(episodes[key])
        elif e.final_status == PASSED and key in episodes:
            episode = episodes.pop(key)
            if episode is not None:
                episode.passed = e
                stood_alone(episode)
    return sorted(found.values(), key=lambda b: max(b.after.last_id, b.passed.last_id))
