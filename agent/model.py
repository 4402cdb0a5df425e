"""The shared vocabulary of the agent and the hub: plain immutable values.

Parsers turn report files into these objects, the report document (``agent.document``) turns them into
JSON and back, and the hub loads them into its database. Nothing after a parser sees XML or a tool's own
dialect, so every rule about retries, statuses and bounds lives here once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple

# Bounds on what one test result may carry. A trace is an excerpt for a person, not a log archive; the
# limits keep a pathological report (a 50 MB stack trace) from dominating memory or the database.
MAX_MESSAGE_CHARS = 4_000
MAX_TRACE_CHARS = 16_000
MAX_OUTPUT_CHARS = 8_000
MAX_NAME_CHARS = 1_000


class Status(StrEnum):
    """The outcome of one execution of a test. Disabled and pending tests count as skipped."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def is_failure(self) -> bool:
        return self in (Status.FAILED, Status.ERROR)


def clip(text: str | None, limit: int) -> str | None:
    """Bound a free-text field, keeping the head (where messages and the top of a trace are)."""
    if text is None:
        return None
    if len(text) <= limit:
        return text
    marker = f"\n... [{len(text) - limit} characters cut]"
    return text[: max(0, limit - len(marker))] + marker


@dataclass(frozen=True, slots=True)
class Rerun:
    """An earlier execution of a test inside the same job (Surefire ``flakyFailure``/``rerunFailure``,
    pytest-rerunfailures, Playwright and Cypress retries). Kept, never collapsed into the final outcome."""

    status: Status
    duration: float | None = None
    message: str | None = None
    failure_type: str | None = None
    trace: str | None = None


class TestCase(NamedTuple):
    """One test case element of a report: its identity, its final outcome, and its earlier attempts.

    ``reruns`` lists the attempts that ran before the final one, in order; the final outcome is the
    case's own ``status``. A test reported twice in one job is two ``TestCase`` values; the hub numbers
    the attempts.

    An immutable named tuple rather than a frozen dataclass, unlike the rest of this module: it is the one
    value made per test case, hundreds of thousands of times a report, and a tuple is built in a fraction
    of the time (see ``agent/parsers/_build.py``). Read it by field name.
    """

    name: str
    status: Status
    classname: str | None = None
    suite: str | None = None
    file: str | None = None
    line: int | None = None
    duration: float | None = None
    message: str | None = None
    failure_type: str | None = None
    trace: str | None = None
    stdout: str | None = None
    stderr: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    reruns: tuple[Rerun, ...] = ()

    __test__ = False  # not a pytest test class, despite the name

    @property
    def is_flaky_in_job(self) -> bool:
        """Failed at least once and passed in the end, inside one job."""
        return self.status is Status.PASSED and any(r.status.is_failure for r in self.reruns)


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a report file could not be read. A value, so a bad file is reported while the others go on."""

    path: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        if self.line is not None and self.column is not None:
            where += f":{self.column}"
        return f"{where}: {self.message}"


class ReportParseError(Exception):
    """Raised by a parser's iterator when the file turns out to be unreadable; carries the value."""

    def __init__(self, error: ParseError) -> None:
        super().__init__(str(error))
        self.error = error


def rate(covered: int, valid: int) -> float | None:
    """A coverage rate, or None when there was nothing to cover (not 0%, not 100%)."""
    return covered / valid if valid else None


@dataclass(frozen=True, slots=True)
class FileCoverage:
    path: str
    lines_covered: int
    lines_valid: int
    branches_covered: int = 0
    branches_valid: int = 0

    @property
    def line_rate(self) -> float | None:
        return rate(self.lines_covered, self.lines_valid)

    @property
    def branch_rate(self) -> float | None:
        return rate(self.branches_covered, self.branches_valid)


@dataclass(frozen=True, slots=True)
class Coverage:
    """A coverage report reduced to counts, overall and per file; rates derive from the counts."""

    format: str
    lines_covered: int
    lines_valid: int
    branches_covered: int = 0
    branches_valid: int = 0
    files: tuple[FileCoverage, ...] = ()

    @property
    def line_rate(self) -> float | None:
        return rate(self.lines_covered, self.lines_valid)

    @property
    def branch_rate(self) -> float | None:
        return rate(self.branches_covered, self.branches_valid)


@dataclass(frozen=True, slots=True)
class RunContext:
    """Where a report comes from: the CI run, its attempt and the job. Filled by ``agent.ci`` detection,
    overridden by explicit flags; sent as the ``run`` and ``job`` objects of the report document."""

    provider: str = "custom"
    repository: str | None = None
    run_id: str | None = None
    run_attempt: int = 1
    run_number: str | None = None
    workflow: str | None = None
    event: str | None = None
    branch: str | None = None
    commit_sha: str | None = None
    base_branch: str | None = None
    pull_request: int | None = None
    run_url: str | None = None
    job_name: str | None = None
    job_id: str | None = None
    job_url: str | None = None
    job_finished: bool = False  # this report is the job's last: the job has finished (report --job-finished)
    server_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
