"""The commits that ran CI for a demo project: merges and direct pushes on main, pushes to pull requests.

Pure and seeded. A working day brings a few pull requests (one to four pushes each, most merged hours
later) and the odd direct push; weekends are quiet. A bit past the middle of the window one merge to main
carries a regression that stays until a fix lands three to five commits later (pull requests rebased on
broken main fail the same way); now and then a pull request breaks a test or the formatter in its first
push and fixes it in the next. ``hub.demo.generator`` turns each commit into a run.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hub.demo import suites
from hub.demo.suites import ProjectSpec, SuiteTest

PR_BREAK_CHANCE = 0.25  # of a multi-commit pull request breaking a test in its first commit
LINT_BREAK_CHANCE = 0.15  # of a pull request's first commit failing the formatter
_BRANCH_KINDS = ("feat", "fix", "chore", "refactor", "perf")


@dataclass(slots=True)
class Commit:
    """A commit that triggered a run: a push to main or a push to a pull request's branch."""

    at: datetime
    sha: str
    branch: str
    pull_request: int | None = None
    main_index: int | None = None  # position on main, for pushes to main
    base: int = 0  # the main commit the tree is built on (itself, for pushes to main)
    regressed: bool = False  # the regression is in this commit's tree
    breaks: SuiteTest | None = None  # a test this (first) commit of a pull request breaks
    lint_fails: bool = False


@dataclass(slots=True)
class Timeline:
    spec: ProjectSpec
    suite: list[SuiteTest]
    commits: list[Commit] = field(default_factory=list)
    regression: tuple[SuiteTest, ...] = ()


def build_timeline(spec: ProjectSpec, seed: int, days: int, end: datetime) -> Timeline:
    """The commits that ran CI in the window: merges and direct pushes on main, pull request pushes."""
    rng = random.Random(f"{seed}:{spec.full_name}:timeline")
    timeline = Timeline(spec, suites.build_suite(spec, random.Random(f"{seed}:{spec.full_name}:suite")))
    start = end - timedelta(days=days)
    main: list[tuple[datetime, int | None]] = []
    prs: list[tuple[datetime, list[datetime], datetime | None]] = []
    for day in range(days):
        day_start = start + timedelta(days=day)
        weekend = day_start.weekday() >= 5
        count = int(rng.random() < 0.4) if weekend else round(rng.uniform(0.5, 1.5) * spec.daily_prs)
        for _ in range(count):
            opened = day_start + timedelta(hours=rng.uniform(7.5, 17))
            pushes = [opened]
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                pushes.append(pushes[-1] + timedelta(minutes=rng.uniform(15, 240)))
            merged = pushes[-1] + timedelta(minutes=rng.uniform(30, 300)) if rng.random() < 0.85 else None
            prs.append((opened, pushes, merged))
        for _ in range(0 if weekend else rng.randint(0, 2)):
            main.append((day_start + timedelta(hours=rng.uniform(7, 20)), None))
    prs.sort(key=lambda pr: pr[0])
    first_pr = rng.randint(300, 1900)
    branches = {}
    for offset, (_, _, merged) in enumerate(prs):
        number = first_pr + offset
        branches[number] = _branch_name(spec, rng)
        if merged is not None:
            main.append((merged, number))
    main = sorted(m for m in main if m[0] < end)
    regressed = _regression_window(len(main), rng)
    fixed_by = main[regressed.stop][1] if regressed and regressed.stop < len(main) else None
    if regressed:
        area = f"/{spec.regression_area}/"
        pool = [t for t in timeline.suite if area in t.file and not t.skip_reason and not t.flake]
        timeline.regression = tuple(rng.sample(pool, 2))
    main_at = [at for at, _ in main]
    for index, (at, _) in enumerate(main):
        timeline.commits.append(
            Commit(at, _sha(rng), "main", main_index=index, base=index, regressed=index in regressed)
        )
    for offset, (_, pushes, _) in enumerate(prs):
        number = first_pr + offset
        breaks = rng.choice(timeline.suite) if len(pushes) > 1 and rng.random() < PR_BREAK_CHANCE else None
        lint = rng.random() < LINT_BREAK_CHANCE and len(pushes) > 1
        for position, at in enumerate(pushes):
            if at >= end:
                break
            base = sum(1 for m in main_at if m <= at) - 1  # the branch is rebased on main as it is now
            first = position == 0
            timeline.commits.append(
                Commit(
                    at,
                    _sha(rng),
                    branches[number],
                    pull_request=number,
                    base=max(base, 0),
                    regressed=base in regressed and number != fixed_by,
                    breaks=breaks if first and breaks and not breaks.skip_reason else None,
                    lint_fails=lint and first,
                )
            )
    timeline.commits.sort(key=lambda c: c.at)
    return timeline


def _regression_window(main_pushes: int, rng: random.Random) -> range:
    """The main commits that carry the regression: from a bit past the middle, for three to five commits."""
    if main_pushes < 6:
        return range(0)
    first = int(main_pushes * 0.55)
    return range(first, min(first + rng.randint(3, 5), main_pushes))


def _branch_name(spec: ProjectSpec, rng: random.Random) -> str:
    area, nouns = rng.choice(spec.areas)
    noun = rng.choice(nouns)
    words = "".join(f"-{c.lower()}" if c.isupper() else c for c in noun).strip("-").replace("_", "-")
    return f"{rng.choice(_BRANCH_KINDS)}/{area}-{words}"


def _sha(rng: random.Random) -> str:
    return f"{rng.getrandbits(160):040x}"
