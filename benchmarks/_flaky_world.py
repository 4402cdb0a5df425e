"""A repository's CI history with ground truth, for scoring flaky-test detection.

Everything here is plain data and seeded: the same ``World`` gives the same uploads in the same order,
byte for byte. The history is what a busy repository sends a hub:

* commits on ``main``, each tested by a CI run of four jobs: three suites (``unit`` retries a failed
  test twice inside the job, pytest-rerunfailures: the failed attempts are ``reruns`` of the case;
  ``integration`` never retries; ``e2e`` retries once, Playwright) and ``lint``, whose checks (the
  formatter, the linter, the type checker) report as cases;
* pull requests branched from ``main``, one run per pushed commit on its head SHA (``pull_request``
  event, base branch ``main``), most of them merged (the merge is a new commit on ``main``);
* flaky tests that fail each attempt independently with a fixed probability, spread log-uniformly from
  0.5% to 30%;
* real regressions: a commit breaks a few tests, which then fail on every run until a later commit fixes
  them; some start on ``main``, some on a pull request that is merged (they reach ``main`` with the
  merge), and some are broken and fixed on a pull request before it merges (``main`` never sees them);
* authors who break a lint check (the formatter, mostly) with one push and mend it with their next,
  and pull requests closed while a test or check they broke still fails;
* infrastructure outages: a job where most tests fail at once with the same connection error;
* re-runs: a run with a failed job is sometimes re-run (a new attempt on the same SHA, failed jobs only).

Ground truth is kept per test (its kind, its flake rate, the commits that broke it, the jobs where it
genuinely flaked, outage jobs left out) and per upload (whether the job was an outage), so a score can
count, for example, the flaky tests that genuinely failed in at least two jobs.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum

from agent.model import Rerun, RunContext, Status, TestCase

REPOSITORY = "bench/orchestrate"


class Kind(StrEnum):
    HEALTHY = "healthy"
    FLAKY = "flaky"
    REGRESSION = "regression"
    CHECK = "check"  # a lint check: never flaky, broken and mended by pull requests' authors


@dataclass(frozen=True)
class Suite:
    name: str
    share: float  # of all tests
    retries: int  # extra attempts inside the job after a failure
    module: str


SUITES = (
    Suite("unit", 0.6, 2, "tests.unit"),
    Suite("integration", 0.3, 0, "tests.integration"),
    Suite("e2e", 0.1, 1, "tests.e2e"),
)
LINT = Suite("lint", 0.0, 0, "lint")  # its checks report as cases; the first is the formatter
CHECKS = ("ruff format --check", "ruff check", "mypy")


@dataclass(frozen=True)
class Scenario:
    """The size and texture of a history. The defaults take a few minutes through a real hub."""

    seed: int = 2026
    tests: int = 1500
    main_commits: int = 160
    pull_requests: int = 45
    flaky_share: float = 0.04
    flake_low: float = 0.005
    flake_high: float = 0.30
    main_regressions: int = 6  # start on main, fixed on main
    merged_regressions: int = 5  # start on a pull request, reach main when it merges, fixed on main
    pr_breakages: int = 6  # broken and fixed on a pull request before it merges
    mend_rate: float = 0.35  # of pull requests of 2+ pushes: a push breaks a lint check, the next mends it
    abandoned_broken: int = 4  # pull requests closed while a test or check they broke still fails
    tests_per_regression: tuple[int, int] = (1, 4)
    regression_length: tuple[int, int] = (2, 12)  # main commits it stays broken
    merge_rate: float = 0.85
    outage_rate: float = 0.02  # of jobs
    rerun_rate: float = 0.4  # of runs with a failed job
    retries_in_jobs: bool = True  # False: no suite retries, so only re-runs and history can tell


QUICK = Scenario(
    tests=240,
    main_commits=36,
    pull_requests=8,
    flaky_share=0.08,
    main_regressions=2,
    merged_regressions=1,
    pr_breakages=1,
    abandoned_broken=1,
    mend_rate=0.6,
    outage_rate=0.04,
)

# Where retries do not give flaky tests away: no suite retries, fewer re-runs, more outages. Only
# re-runs and the default branch's history can tell a flaky test from a regression here.
HARD = Scenario(retries_in_jobs=False, rerun_rate=0.15, outage_rate=0.03)


@dataclass
class TestTruth:
    """What a test really is. ``failures`` counts its genuine flaky failures (attempts) as they happen."""

    __test__ = False

    index: int
    suite: Suite
    classname: str
    name: str
    kind: Kind = Kind.HEALTHY
    flake_rate: float = 0.0
    # The commits that broke it, for a regression that reached main: the first failing commit on main,
    # and for one merged from a pull request also the pull request's commit that broke it.
    onset_shas: list[str] = field(default_factory=list)
    # Jobs where a flaky test genuinely failed (at least one attempt; outage jobs left out): attempts in
    # one job are one piece of evidence, and a job that failed every retry looks broken, not flaky.
    failures: int = 0
    second_failure_upload: int | None = None  # the upload of the second such job
    first_failures: list[tuple[int, bool]] = field(default_factory=list)  # (upload, on main), a few
    mends: int = 0  # a lint check: the pull requests that broke it and mended it on their next push

    @property
    def key(self) -> tuple[str, str]:
        return self.classname, self.name


@dataclass(frozen=True)
class SimUpload:
    """One job's report as the agent would upload it, with what really happened in it."""

    index: int
    context: RunContext
    cases: tuple[TestCase, ...]
    outage: bool  # most of this job failed at once: the infrastructure, not the tests

    @property
    def failed(self) -> bool:
        return any(case.status.is_failure for case in self.cases)


@dataclass
class PullRequest:
    number: int
    opened: int  # the main commit it branched from; it pushes one commit per main commit after that
    commits: int
    broken: dict[int, set[int]] = field(default_factory=dict)  # its commit -> tests broken there
    shas: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CodeState:
    """The tests broken in a commit's code (by regressions), keyed by test index."""

    sha: str
    broken: frozenset[int]


AREAS = ("billing", "accounts", "search", "orders", "inventory", "auth", "payments", "shipping", "catalog")
NOUNS = ("invoice", "customer", "order", "cart", "token", "session", "price", "refund", "address", "webhook")
VERBS = ("creates", "rejects", "updates", "deletes", "finds", "retries", "parses", "renders", "rounds")
INFRA_MESSAGE = 'psycopg.OperationalError: connection to server at "db" (10.0.3.7), port 5432 failed: {e}'
INFRA_ERRORS = ("Connection refused", "timeout expired", 'could not translate host name "db"')


class World:
    """Builds the history once, lazily, as a sequence of uploads; ``tests`` holds the ground truth."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.rng = random.Random(scenario.seed)
        self.suites = SUITES if scenario.retries_in_jobs else tuple(replace(s, retries=0) for s in SUITES)
        self.jobs = (*self.suites, LINT)
        self.tests = self._make_tests()
        self.checks = [t.index for t in self.tests if t.kind is Kind.CHECK]
        self.by_suite = {suite.name: [t for t in self.tests if t.suite is suite] for suite in self.jobs}
        self.abandoned_left = scenario.abandoned_broken
        self.runs = 0
        self.reruns = 0
        self.outages = 0
        self.main_shas: list[str] = []
        self._generated = False

    # --- The tests and what they are ---------------------------------------------------------------

    def _make_tests(self) -> list[TestTruth]:
        s, rng = self.scenario, self.rng
        tests: list[TestTruth] = []
        for index in range(s.tests):
            roll, acc = rng.random(), 0.0
            suite = self.suites[-1]
            for candidate in self.suites:
                acc += candidate.share
                if roll < acc:
                    suite = candidate
                    break
            area, noun = AREAS[index % len(AREAS)], NOUNS[(index // len(AREAS)) % len(NOUNS)]
            classname = f"{suite.module}.test_{area}.Test{noun.title()}{index // 90}"
            name = f"test_{VERBS[index % len(VERBS)]}_{noun}_{index}"
            tests.append(TestTruth(index, suite, classname, name))
        flaky = rng.sample(range(s.tests), round(s.tests * s.flaky_share))
        low, high = math.log(s.flake_low), math.log(s.flake_high)
        for position, index in enumerate(sorted(flaky)):
            tests[index].kind = Kind.FLAKY
            # Evenly spread on the log scale (with jitter), so every decade of rates is represented.
            share = (position + rng.random()) / len(flaky)
            tests[index].flake_rate = math.exp(low + (high - low) * share)
        for check in CHECKS:
            tests.append(TestTruth(len(tests), LINT, LINT.module, check, Kind.CHECK))
        return tests

    def _pick_regressed(self) -> list[int]:
        low, high = self.scenario.tests_per_regression
        healthy = [t.index for t in self.tests if t.kind is Kind.HEALTHY]
        chosen = self.rng.sample(healthy, self.rng.randint(low, high))
        for index in chosen:
            self.tests[index].kind = Kind.REGRESSION
        return chosen

    # --- The history -------------------------------------------------------------------------------

    def uploads(self) -> Iterator[SimUpload]:
        """Every upload, in the order CI would send them. A world's history is generated once."""
        if self._generated:
            raise RuntimeError("a World generates its history once: make a new World for another pass")
        self._generated = True
        main_broken, prs = self._plan()
        upload_index = 0
        for step in range(self.scenario.main_commits):
            pushes = []
            for pr in prs:
                commit = step - pr.opened
                if 0 <= commit < len(pr.shas):
                    broken = main_broken[pr.opened] | pr.broken.get(commit, set())
                    where = {
                        "event": "pull_request",
                        "branch": f"feature/pr-{pr.number}",
                        "base_branch": "main",
                        "pull_request": pr.number,
                    }
                    pushes.append((CodeState(pr.shas[commit], frozenset(broken)), where))
            self.rng.shuffle(pushes)
            main = (
                CodeState(self.main_shas[step], frozenset(main_broken[step])),
                {"event": "push", "branch": "main"},
            )
            for state, where in [main, *pushes]:
                for upload in self._run(state, where, upload_index):
                    upload_index = upload.index + 1
                    yield upload

    def _plan(self) -> tuple[list[set[int]], list[PullRequest]]:
        """Where regressions start and end, and the pull requests: the tests broken at each main commit,
        and each pull request with the tests broken at each of its commits. Records onsets as truth."""
        s, rng = self.scenario, self.rng
        n = s.main_commits
        main_broken: list[set[int]] = [set() for _ in range(n)]  # broken from start (inclusive) to fix
        main_onsets: dict[int, list[int]] = {}  # main commit -> tests that break there
        pr_onsets: dict[tuple[int, int], list[int]] = {}  # (pull request, its commit) -> tests
        for _ in range(s.main_regressions):
            tests = self._pick_regressed()
            start = rng.randrange(1, n - 3)
            main_onsets.setdefault(start, []).extend(tests)
            for commit in range(start, min(n, start + rng.randint(*s.regression_length))):
                main_broken[commit].update(tests)
        prs = []
        merged_left, breakages_left = s.merged_regressions, s.pr_breakages
        for number in range(1, s.pull_requests + 1):
            opened, commits = rng.randrange(0, n - 6), rng.randint(1, 4)
            merged = rng.random() < s.merge_rate and opened + commits < n - 1
            pr = PullRequest(number, opened, commits)
            if merged and merged_left:
                # Broken from one of its commits on; reaches main with the merge; fixed there later.
                merged_left -= 1
                tests = self._pick_regressed()
                since, merge_at = rng.randrange(commits), opened + commits
                fix = min(n, merge_at + rng.randint(*s.regression_length))
                pr.broken.update({c: set(tests) for c in range(since, commits)})
                main_onsets.setdefault(merge_at, []).extend(tests)
                pr_onsets[(number, since)] = tests
                for commit in range(merge_at, fix):
                    main_broken[commit].update(tests)
            elif breakages_left and commits >= 2:
                # Broken by one push, fixed by a later push on the branch: main never sees it.
                breakages_left -= 1
                tests = self._pick_regressed()
                since = rng.randrange(commits - 1)
                until = rng.randint(since + 1, commits - 1)
                pr.broken.update({c: set(tests) for c in range(since, until)})
            self._abandon_or_mend(pr, merged)
            prs.append(pr)
        self.main_shas = [self._sha() for _ in range(n)]
        for pr in prs:
            pr.shas = [self._sha() for _ in range(pr.commits)]
        by_number = {pr.number: pr for pr in prs}
        for commit, tests in main_onsets.items():
            for index in tests:
                self.tests[index].onset_shas.append(self.main_shas[commit])
        for (number, commit), tests in pr_onsets.items():
            for index in tests:
                self.tests[index].onset_shas.append(by_number[number].shas[commit])
        return main_broken, prs

    def _abandon_or_mend(self, pr: PullRequest, merged: bool) -> None:
        """A pull request not merged may be closed while a test or check it broke still fails; any pull
        request of two or more pushes may break a lint check (the formatter, mostly) and mend it with the
        next push."""
        s, rng = self.scenario, self.rng
        if not merged and not pr.broken and self.abandoned_left:
            self.abandoned_left -= 1
            broken = set(self._pick_regressed()) if rng.random() < 0.5 else {rng.choice(self.checks)}
            pr.broken.update({c: set(broken) for c in range(rng.randrange(pr.commits), pr.commits)})
        if pr.commits >= 2 and rng.random() < s.mend_rate:
            check = self.checks[0] if rng.random() < 0.75 else rng.choice(self.checks[1:])
            at = rng.randrange(pr.commits - 1)
            if check not in pr.broken.get(at + 1, ()):
                pr.broken.setdefault(at, set()).add(check)
                self.tests[check].mends += 1

    def _run(self, state: CodeState, where: dict, first_index: int) -> Iterator[SimUpload]:
        """A CI run of every suite on ``state``, then re-runs of its failed jobs (new attempts)."""
        self.runs += 1
        run_id = str(9_000_000_000 + self.runs)
        index = first_index
        suites = list(self.jobs)
        for attempt in (1, 2, 3):
            failed_suites = []
            for suite in suites:
                context = RunContext(
                    provider="github",
                    repository=REPOSITORY,
                    run_id=run_id,
                    run_attempt=attempt,
                    run_number=str(self.runs),
                    workflow="CI",
                    commit_sha=state.sha,
                    job_name=suite.name,
                    job_id=f"{run_id}-{attempt}-{suite.name}",
                    **where,
                )
                cases, outage = self._job(suite, state, index, where["branch"] == "main")
                upload = SimUpload(index, context, cases, outage)
                index += 1
                yield upload
                if upload.failed:
                    failed_suites.append(suite)
            if not failed_suites or self.rng.random() >= self.scenario.rerun_rate / attempt:
                return
            self.reruns += 1
            suites = failed_suites

    def _job(
        self, suite: Suite, state: CodeState, upload_index: int, on_main: bool
    ) -> tuple[tuple[TestCase, ...], bool]:
        rng = self.rng
        # A lint job reaches no database or network: its outages would be the checks' own failures.
        outage = suite is not LINT and rng.random() < self.scenario.outage_rate
        down: set[int] = set()
        tests = self.by_suite[suite.name]
        if outage:
            self.outages += 1
            share = rng.uniform(0.6, 1.0)
            down = {t.index for t in tests if rng.random() < share}
            infra = INFRA_MESSAGE.format(e=rng.choice(INFRA_ERRORS))
        cases = []
        for test in tests:
            attempts: list[tuple[Status, str | None]] = []
            flaked = False
            for _ in range(1 + suite.retries):
                if test.index in down:
                    outcome = (Status.ERROR, infra)
                elif test.index in state.broken and test.kind is Kind.CHECK:
                    outcome = (Status.FAILED, f"{test.name}: src/app/views.py would change")
                elif test.index in state.broken:
                    outcome = (Status.FAILED, f"AssertionError: expected 'ok' for {test.name}, got 'error'")
                elif test.kind is Kind.FLAKY and rng.random() < test.flake_rate:
                    flaked = True
                    outcome = (Status.FAILED, _flake_message(rng))
                else:
                    outcome = (Status.PASSED, None)
                attempts.append(outcome)
                if outcome[0] is Status.PASSED:
                    break
            if flaked and not outage:  # a flake inside an outage is drowned in it: no evidence
                test.failures += 1
                if test.failures == 2:
                    test.second_failure_upload = upload_index
                if len(test.first_failures) < 4:
                    test.first_failures.append((upload_index, on_main))
            cases.append(_case(test, suite, attempts, rng))
        return tuple(cases), outage

    def _sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"


def _flake_message(rng: random.Random) -> str:
    return rng.choice(
        (
            "TimeoutError: page did not settle within 5000 ms",
            "AssertionError: expected 3 events, got 2",
            "ConnectionResetError: [Errno 104] Connection reset by peer",
            "AssertionError: 0.30000000000000004 != 0.3",
        )
    )


def _case(test: TestTruth, suite: Suite, attempts: list[tuple[Status, str | None]], rng) -> TestCase:
    *earlier, (status, message) = attempts
    reruns = tuple(
        Rerun(status=s, duration=round(rng.uniform(0.01, 0.5), 3), message=m, failure_type=_type(m))
        for s, m in earlier
    )
    return TestCase(
        name=test.name,
        classname=test.classname,
        suite=suite.name,
        file=test.classname.replace(".", "/").rsplit("/", 1)[0] + ".py",
        status=status,
        duration=round(rng.uniform(0.01, 0.5), 3),
        message=message,
        failure_type=_type(message),
        trace=f"Traceback (most recent call last):\n  ...\n{message}" if message else None,
        reruns=reruns,
    )


def _type(message: str | None) -> str | None:
    return message.split(":", 1)[0] if message else None
