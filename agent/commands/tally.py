"""Running totals over the cases of a report, kept while they stream past, in bounded memory.

The summaries (job summary, plain text, ``--json``), the GitHub outputs and the annotations all read a
``Tally``. It keeps counts for every case but only a bounded set of cases: the first failures (for the
summary's details), the slowest tests, and the candidates for annotations, so a report with a million
failures costs no more memory here than one with a thousand.

Given the project's quarantine list (``report --fail-on unquarantined``), it also counts the failures of
quarantined tests as they pass, so the exit status is decided over every failure, not the ones kept.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING

from agent.model import Status, TestCase

if TYPE_CHECKING:
    from agent.quarantine import QuarantineEntry, QuarantineList

MAX_FAILURES_KEPT = 200
MAX_SLOWEST = 10
MAX_ANNOTATIONS = 50


@dataclass
class Tally:
    tests: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0
    duration: float = 0.0
    failures: list[TestCase] = field(default_factory=list)
    quarantine: QuarantineList | None = None
    quarantined: int = 0  # failures of quarantined tests
    _slowest: list[tuple[float, int, TestCase]] = field(default_factory=list, repr=False)
    _with_line: list[TestCase] = field(default_factory=list, repr=False)
    _with_file: list[TestCase] = field(default_factory=list, repr=False)
    _seq: count = field(default_factory=count, repr=False)

    def add(self, case: TestCase) -> None:
        """Count one case; called for every case of a report, so it does as little as it can."""
        self.tests += 1
        status = case.status
        if status is Status.PASSED:
            self.passed += 1
            if case.reruns and case.is_flaky_in_job:
                self.flaky += 1
        elif status is Status.SKIPPED:
            self.skipped += 1
        else:
            if status is Status.FAILED:
                self.failed += 1
            else:
                self.errors += 1
            self._keep_failure(case)
        duration = case.duration
        if duration:
            self.duration += duration
            slowest = self._slowest
            if len(slowest) < MAX_SLOWEST:
                heapq.heappush(slowest, (duration, -next(self._seq), case))
            elif duration > slowest[0][0]:  # a tie keeps the case reported first
                heapq.heapreplace(slowest, (duration, -next(self._seq), case))

    def _keep_failure(self, case: TestCase) -> None:
        if self.quarantine is not None and self.quarantine.entry_for(case) is not None:
            self.quarantined += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(case)
        if case.file:
            bucket = self._with_line if case.line else self._with_file
            if len(bucket) < MAX_ANNOTATIONS:
                bucket.append(case)

    @property
    def failed_or_errored(self) -> int:
        return self.failed + self.errors

    @property
    def unquarantined(self) -> int:
        """Failures and errors of tests outside the quarantine list."""
        return self.failed_or_errored - self.quarantined

    def quarantine_entry(self, case: TestCase) -> QuarantineEntry | None:
        return self.quarantine.entry_for(case) if self.quarantine is not None else None

    @property
    def slowest(self) -> list[TestCase]:
        """The slowest cases, slowest first (ties: the one reported first)."""
        return [case for _, _, case in sorted(self._slowest, key=lambda e: e[:2], reverse=True)]

    @property
    def annotation_candidates(self) -> list[TestCase]:
        """Failed cases worth an annotation, most useful first: those with a file and line, then a file."""
        return (self._with_line + self._with_file)[:MAX_ANNOTATIONS]

    def counts(self) -> dict[str, int]:
        return {
            "tests": self.tests,
            "passed": self.passed,
            "failed": self.failed,
            "errors": self.errors,
            "skipped": self.skipped,
            "flaky": self.flaky,
        }
