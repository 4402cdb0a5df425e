"""The mended signal: a failure on a pull request (or another branch) that stopped on a later commit of the
same pull request, while the default branch passed around it. Shown, never counted as flakiness.

A pull request's author changes the code between its commits, so a failure that stops on the next push is,
most of the time, the change being mended: a formatter run after the first push, a test fixed after CI
said so. A flaky test fails and passes the same way, but so does every check authors break, and they
break some (the formatter) on many pull requests: counting these made the demo's formatter checks flaky.
What a change cannot explain is evidence: the same commit failing and passing (``same_commit``) and a
retry passing in one job (``Execution.retried_flake``); both count on pull requests as anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from hub.flaky.signals.executions import PASSED, Execution


class Mended(NamedTuple):
    """A failure on a branch other than the default one that a later commit of that branch mended."""

    line: str  # the pull request ("#12") or, for a branch pushed without one, the branch name
    before: Execution  # the default-branch run before the failure began, which passed
    after: Execution  # the default-branch run after it began, which passed
    failed: Execution  # the first failure of the episode
    passed: Execution  # the next run on the same line and job name, which passed (a later commit)


@dataclass(slots=True)
class _Episode:
    line: str
    before: Execution
    failed: Execution
    after: Execution | None = None
    passed: Execution | None = None


def mended_failures(usable: list[Execution], strong_jobs: set[int]) -> list[Mended]:
    """Failures off the default branch that a later commit of the same pull request mended: the default
    branch passed on its runs right before and right after the failure began (the code it branched from
    was fine, so the pull request's own change failed), and the same pull request passed again on a
    later run of the same job. One per pull request, the latest.

    A pull request branched from a broken default branch fails from its first run, next to the default
    branch's failures: it inherited a regression and mended nothing, even when its CI reported before the
    default branch's did. ``usable`` is every usable execution in arrival order; failures in
    ``strong_jobs`` (a retry or a same-commit pass) are evidence of their own signal."""
    found: dict[str, Mended] = {}
    before: Execution | None = None  # the latest default-branch execution so far
    episodes: dict[tuple[str, str], _Episode | None] = {}  # open failures by line and job name
    waiting: list[_Episode] = []  # episodes without a default-branch run after their start yet

    def mended(episode: _Episode) -> None:
        after, passed = episode.after, episode.passed
        if after is not None and passed is not None and not after.final_failed:
            found[episode.line] = Mended(episode.line, episode.before, after, episode.failed, passed)

    for e in usable:
        if e.default:
            for episode in waiting:
                episode.after = e
                mended(episode)
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
                mended(episode)
    return sorted(found.values(), key=lambda b: max(b.after.last_id, b.passed.last_id))
