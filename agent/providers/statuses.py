"""Commit statuses behind one method: how ``orchestrate validate`` shows its verdict beside a commit.

``StatusReporter`` is a base of every ``Provider``: ``set_commit_status`` raises ``UnsupportedOperation``
unless the provider's module overrides it (GitHub's statuses API in ``_github_statuses``, GitLab's commit
status API in ``_gitlab_statuses``; CircleCI and a custom CI have none). A status crosses the boundary as
``CommitStatus`` in our words: ``state`` is one of ``STATES`` on every provider, ``context`` is GitHub's
``context`` and GitLab's ``name``.

Setting a status is idempotent by the provider's design: a second status with the same context on the same
commit replaces the first, so a retried call cannot leave two verdicts behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

PENDING, SUCCESS, FAILURE, ERROR = "pending", "success", "failure", "error"
STATES: tuple[str, ...] = (PENDING, SUCCESS, FAILURE, ERROR)
SHA_PATTERN = re.compile(r"^[0-9a-f]{7,64}$")


@dataclass(frozen=True)
class CommitStatus:
    sha: str
    state: str  # one of STATES
    context: str
    description: str
    target_url: str
    url: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class StatusReporter:
    """The commit-status operation; it raises ``UnsupportedOperation`` where the CI has no such API."""

    def set_commit_status(
        self, sha: str, state: str, *, context: str, description: str = "", target_url: str = ""
    ) -> CommitStatus:
        """Mark commit ``sha`` with ``state`` under ``context`` (replacing that context's earlier status)."""
        raise self.unsupported(  # type: ignore[attr-defined]
            "set commit statuses", "commit statuses are set on GitHub or GitLab projects only"
        )

    def commit_statuses(self, sha: str) -> list[CommitStatus]:
        """The statuses set on commit ``sha``, newest first (a context may appear more than once)."""
        raise self.unsupported(  # type: ignore[attr-defined]
            "read commit statuses", "commit statuses are read on GitHub projects only"
        )


def check_status(sha: str, state: str) -> str:
    """The commit id, lower-cased, once ``sha`` and ``state`` are known to be usable (ValueError if not)."""
    if state not in STATES:
        raise ValueError(f"a commit status is one of {', '.join(STATES)}, not {state!r}")
    sha = sha.strip().lower()
    if not SHA_PATTERN.match(sha):
        raise ValueError(f"{sha!r} is not a commit id (7 to 64 hexadecimal digits)")
    return sha
