"""The contract every CI provider client follows, and every caller (the ``ci`` commands, the hub) relies on.

A provider is one module in ``agent.providers`` with one ``Provider`` subclass that implements every
operation below. Where the CI has no such operation the method raises ``UnsupportedOperation`` naming it:
a caller is never told an operation worked when it did not happen.

Values cross this boundary as frozen dataclasses in our vocabulary: statuses and conclusions are the same
strings as the hub's ``RunStatus`` and ``Conclusion``, ids are strings (GitHub's are integers, CircleCI's
UUIDs), and each value keeps the provider's own JSON in ``raw`` for ``--json`` output.

Each provider module's status tables (``STATUSES``, ``CONCLUSIONS``, ``WORKFLOW_STATUSES``...) are the one
translation of that CI's vocabulary into ours: the hub's webhooks read them too, and say where they differ.

Errors are ``ProviderError`` subclasses carrying a message (what is wrong) and a hint (what to do next), and
the exit status the ``ci`` commands end with. The helpers at the end are what several providers do alike.
"""

from __future__ import annotations

import re
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import requests

from agent.providers.changes import ChangeRequests
from agent.providers.issues import IssueTracker
from agent.providers.repositories import RepositoryHost
from agent.providers.statuses import StatusReporter

if TYPE_CHECKING:
    from agent.providers.merges import MergeResult

MAX_DOWNLOAD_BYTES = 2 << 30  # one download (a zip of logs or artifacts, one file); config max_download_bytes
MAX_LOG_BYTES = 16 << 20  # the tail of each job's log kept by run_logs; config max_log_bytes
NAME_PATTERN = re.compile(r"[^A-Za-z0-9._-]+")


class RunStatus(StrEnum):
    """Where a run or job is in its life (the hub's ``RunStatus`` values)."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Conclusion(StrEnum):
    """How a completed run or job ended (the hub's ``Conclusion`` values); None while it runs."""

    SUCCESS = "success"
    FAILURE = "failure"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"
    NEUTRAL = "neutral"


class ProviderError(Exception):
    """A provider operation failed. ``message`` says what is wrong, ``hint`` what to do next."""

    exit_code: ClassVar[int] = 1

    def __init__(self, message: str, hint: str = "", *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.status = status  # the HTTP status behind the error, when there was an answer

    def __str__(self) -> str:
        return f"{self.message}. {self.hint}" if self.hint else self.message


class AuthenticationError(ProviderError):
    """The token is missing, wrong, expired, or lacks the permission the operation needs (401/403)."""

    exit_code: ClassVar[int] = 4


class NotFoundError(ProviderError):
    """The repository, run, job or workflow does not exist, or the token cannot see it (404)."""


class RateLimitedError(ProviderError):
    """The provider's rate limit did not reset within the time we are willing to wait."""

    wait: float = 0.0  # seconds until the limit resets, as the provider said (or as guessed)


class DownloadTooLarge(ProviderError):
    """A download ran past the client's ``max_download_bytes``; the partial file is removed."""


class UnsupportedOperation(ProviderError):
    """The provider has no API for this operation; said plainly rather than pretended."""


def _json_time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True)
class JobInfo:
    id: str
    name: str
    status: str
    conclusion: str | None
    url: str
    started_at: datetime | None = None
    completed_at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        """Our fields as JSON-ready values (``raw`` left out; callers add it when asked)."""
        return {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "conclusion": self.conclusion,
            "url": self.url,
            "started_at": _json_time(self.started_at),
            "completed_at": _json_time(self.completed_at),
        }


@dataclass(frozen=True)
class RunInfo:
    id: str
    status: str
    conclusion: str | None
    url: str
    workflow: str
    branch: str
    commit_sha: str
    event: str
    attempt: int
    created_at: datetime | None = None
    updated_at: datetime | None = None
    jobs: tuple[JobInfo, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def completed(self) -> bool:
        return self.status == RunStatus.COMPLETED

    def as_json(self) -> dict[str, Any]:
        """Our fields as JSON-ready values, jobs included (``raw`` left out)."""
        return {
            "id": self.id,
            "status": self.status,
            "conclusion": self.conclusion,
            "url": self.url,
            "workflow": self.workflow,
            "branch": self.branch,
            "commit_sha": self.commit_sha,
            "event": self.event,
            "attempt": self.attempt,
            "created_at": _json_time(self.created_at),
            "updated_at": _json_time(self.updated_at),
            "jobs": [job.as_json() for job in self.jobs],
        }


@dataclass(frozen=True)
class ArtifactInfo:
    id: str
    name: str
    size: int | None
    expired: bool
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "size": self.size, "expired": self.expired}


@dataclass(frozen=True)
class Comment:
    """A comment on a pull request (a note on a GitLab merge request)."""

    id: str
    body: str
    author: str
    url: str
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Triggered:
    """What a trigger produced: the new run when it could be found, its URL, and a line for a person."""

    run: RunInfo | None
    url: str
    message: str


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp from an API (``2020-01-22T19:33:08Z``), or None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


class Provider(IssueTracker, ChangeRequests, StatusReporter, RepositoryHost, ABC):
    """One CI's API, behind the same methods as every other CI's.

    ``repo`` is the provider's name for the project (``OWNER/NAME`` on GitHub). ``sleep`` and ``clock``
    are injectable so tests exercise rate limits and waits without sleeping. ``config`` carries
    provider-specific settings (the custom provider's endpoints, for instance).
    """

    name: ClassVar[str]
    default_api_url: ClassVar[str] = ""

    def __init__(
        self,
        repo: str,
        *,
        token: str | None,
        api_url: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 30,
        config: Mapping[str, Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not repo or not repo.strip():
            raise ProviderError(f"no repository given for {self.name}", "pass --repo OWNER/NAME")
        self.repo = repo.strip()
        self.token = token or None
        self.api_url = (api_url or self.default_api_url).rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout
        self.config: dict[str, Any] = dict(config or {})
        self.sleep = sleep
        self.clock = clock

    def unsupported(self, operation: str, hint: str = "") -> UnsupportedOperation:
        """The error for an operation this CI's API does not offer (raise it)."""
        return UnsupportedOperation(f"{self.name} cannot {operation}", hint)

    @property
    def max_download_bytes(self) -> int:
        return int(self.config.get("max_download_bytes", MAX_DOWNLOAD_BYTES))

    def write_logs(self, jobs: Iterable[JobInfo], dest: Path) -> list[Path]:
        """``run_logs`` for a CI that serves logs job by job: each job's log (its tail past
        ``max_log_bytes``) as ``DEST/{id}-{name}.log``; the caller leaves out jobs that have none."""
        limit = int(self.config.get("max_log_bytes", MAX_LOG_BYTES))
        written = []
        for job in jobs:
            path = dest / f"{file_name(job.id, 'job')}-{file_name(job.name, 'job')}.log"
            text = self.job_log(job.id, max_bytes=limit)
            dest.mkdir(parents=True, exist_ok=True)
            path.write_text(text, "utf-8")
            written.append(path)
        return written

    @abstractmethod
    def list_runs(
        self,
        *,
        branch: str | None = None,
        workflow: str | None = None,
        status: str | None = None,
        limit: int = 20,
    ) -> list[RunInfo]:
        """The most recent runs first, at most ``limit``, without their jobs."""

    @abstractmethod
    def trigger(self, *, workflow: str, ref: str, inputs: Mapping[str, str] | None = None) -> Triggered:
        """Start ``workflow`` on ``ref`` with ``inputs``, and find the run it started when possible."""

    @abstractmethod
    def get_run(self, run_id: str) -> RunInfo:
        """One run with its jobs filled in."""

    @abstractmethod
    def list_jobs(self, run_id: str) -> list[JobInfo]:
        """Every job of a run (every page)."""

    @abstractmethod
    def job_log(self, job_id: str, *, max_bytes: int = 16 << 20) -> str:
        """A job's log as text; when longer than ``max_bytes``, its tail (where failures are)."""

    @abstractmethod
    def run_logs(self, run_id: str, dest: Path) -> list[Path]:
        """Every log of a run written under ``dest``; returns the files written."""

    @abstractmethod
    def retry(self, run_id: str, *, failed_only: bool = False, job_id: str | None = None) -> RunInfo | None:
        """Re-run the whole run, its failed jobs, or one job; the run after the request when known."""

    def find_rerun(self, run_id: str, *, attempt: int, since: datetime) -> RunInfo | None:
        """The re-run of attempt ``attempt`` of run ``run_id`` that a request made at ``since`` began,
        when the CI shows one (the run as it is now: a newer attempt, the same pipeline running again,
        a new workflow); None when the CI shows that none began. For a caller that lost the answer to
        its ``retry`` and must not ask twice. A CI whose API cannot tell raises ``UnsupportedOperation``."""
        raise self.unsupported("tell whether a re-run began", "look at the run at the CI")

    @abstractmethod
    def cancel(self, run_id: str) -> None:
        """Ask the CI to cancel a run (it stops asynchronously)."""

    @abstractmethod
    def list_artifacts(self, run_id: str) -> list[ArtifactInfo]:
        """The artifacts a run produced, expired ones included (flagged)."""

    @abstractmethod
    def download_artifacts(self, run_id: str, dest: Path, *, name: str | None = None) -> list[Path]:
        """Download a run's artifacts (or the one called ``name``) under ``dest``; returns the files."""

    # Pull-request comments: GitHub and GitLab have them; a CI without them keeps these refusals.

    def list_comments(self, number: int) -> list[Comment]:
        """Every comment of pull request ``number`` (people's, not the system's), oldest first."""
        raise self.unsupported("comment on pull requests", "use a GitHub or GitLab project")

    def create_comment(self, number: int, body: str) -> Comment:
        """Add a comment to pull request ``number``."""
        raise self.unsupported("comment on pull requests", "use a GitHub or GitLab project")

    def update_comment(self, number: int, comment_id: str, body: str) -> Comment:
        """Replace the body of comment ``comment_id`` on pull request ``number``."""
        raise self.unsupported("comment on pull requests", "use a GitHub or GitLab project")

    def merge_pull_request(
        self, number: int, *, sha: str, method: str = "squash", delete_branch: bool = True
    ) -> MergeResult:
        """Merge pull request ``number`` only while its head is ``sha`` (``agent.providers.merges``); delete
        its branch when asked."""
        raise self.unsupported("merge pull requests", "use a GitHub or GitLab project")


# -- what several providers do alike ---------------------------------------------------------------------


def absolute_url(url: str) -> str:
    """An address as a person may give it (``gitlab.example.com/``) as a URL: https unless said, no
    trailing slash. Each provider's ``api_url_for`` then finds its API under it."""
    url = url.strip().rstrip("/")
    return url if "://" in url else "https://" + url


def numeric_id(value: object, what: str, hint: str) -> str:
    """An id the CI numbers (``what``: ``"GitHub run"``), checked so nothing else reaches a request path."""
    text = str(value).strip()
    if not text.isdigit():
        raise ProviderError(f"{what} ids are numbers, not {value!r}", hint)
    return text


def check_retry_choice(*, failed_only: bool, job_id: str | None) -> None:
    """``retry`` re-runs one job or the failed jobs, not both: refused before any request."""
    if job_id is not None and failed_only:
        raise ProviderError("re-run either one job or the failed jobs, not both", "drop --job or --failed")


def file_name(text: str, fallback: str) -> str:
    """One safe path component made of a job's or an artifact's name (or id)."""
    name = NAME_PATTERN.sub("_", text.strip()).strip("._")
    return name[:100] or fallback
