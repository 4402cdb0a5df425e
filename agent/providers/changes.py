"""Changes to a repository behind one set of methods: what ``orchestrate fix --push`` and the hub's
fixer responder ask of GitHub and GitLab (a branch's head, a commit written through the API, a pull
request opened and found again).

``ChangeRequests`` is a base of every ``Provider``: its methods raise ``UnsupportedOperation`` unless the
provider's module overrides them (GitHub's and GitLab's do, in ``_github_changes`` and
``_gitlab_changes``). CircleCI has no repository API at all: it builds a GitHub or GitLab repository,
and changes go to that repository's provider. A pull request crosses the boundary as ``PullRequestInfo``
in our words: ``number`` is what people see (GitHub's ``number``, GitLab's merge request ``iid``),
``state`` is ``open``, ``closed`` or ``merged`` on both, ``from_fork`` says whether its head lives in
another repository (whose code must never meet this repository's secrets).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from agent.providers.repositories import RepositoryInfo

OPEN, CLOSED, MERGED = "open", "closed", "merged"
REGULAR, EXECUTABLE = "100644", "100755"  # git's file modes, which both APIs take


@dataclass(frozen=True)
class FileChange:
    """One file of a commit: its new content (None: deleted), whether it is new, and its mode."""

    path: str
    content: bytes | None
    new: bool = False
    mode: str = REGULAR


@dataclass(frozen=True)
class PullRequestInfo:
    number: str
    url: str
    state: str  # OPEN, CLOSED or MERGED
    head: str  # the branch it brings
    base: str  # the branch it goes into
    head_sha: str
    title: str
    from_fork: bool
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    auto_merge: bool = False  # set to merge when its pipeline succeeds (GitLab's auto-merge)


@dataclass(frozen=True)
class ChangedFile:
    """One file a pull request changes, and its lines added and deleted (what merge size limits count)."""

    path: str
    additions: int
    deletions: int


class ChangeRequests:
    """The repository operations; each raises ``UnsupportedOperation`` where the provider has none."""

    def _no_repository(self, operation: str) -> Exception:
        return self.unsupported(  # type: ignore[attr-defined]
            operation,
            "CircleCI and custom CIs have no repository API: publish through the GitHub or GitLab "
            "repository the pipeline builds",
        )

    def repository(self) -> RepositoryInfo:
        """The repository itself: its default branch and its address."""
        raise self._no_repository("read the repository")

    def branch_sha(self, branch: str) -> str | None:
        """The commit at the head of ``branch``; None when there is no such branch."""
        raise self._no_repository("read branches")

    def create_commit(self, *, branch: str, parent: str, message: str, files: Sequence[FileChange]) -> str:
        """Write one commit of ``files`` on ``parent`` and create ``branch`` at it; returns its sha.
        The branch must not exist (a commit never lands on a branch someone else moves)."""
        raise self._no_repository("write commits")

    def open_pull_request(self, *, head: str, base: str, title: str, body: str) -> PullRequestInfo:
        """Open a pull request (a merge request on GitLab) from ``head`` into ``base``."""
        raise self._no_repository("open pull requests")

    def find_pull_requests(self, head: str) -> list[PullRequestInfo]:
        """The pull requests from branch ``head`` of this repository, any state, newest first."""
        raise self._no_repository("list pull requests")

    def get_pull_request(self, number: str) -> PullRequestInfo:
        raise self._no_repository("read pull requests")

    def pull_request_files(self, number: str) -> list[ChangedFile]:
        """The files pull request ``number`` changes, each with its lines added and deleted."""
        raise self._no_repository("list a pull request's files")

    def pull_request_approvals(self, number: str) -> int:
        """How many reviewers approve pull request ``number`` now (each one's latest deciding review)."""
        raise self.unsupported(  # type: ignore[attr-defined]
            "count a pull request's approvals", "set merge.approvals to 0, or use a GitHub or GitLab project"
        )

    def revert_merge(self, *, branch: str, merge_sha: str, message: str) -> str:
        """Write one commit on ``merge_sha`` whose tree is the merge's first parent's (the merge undone)
        and create ``branch`` at it; returns its sha. The branch must not exist. GitHub's commit carries
        ``message``; GitLab's revert API writes its own (``Revert "..."``), so callers also put the reason
        in the pull request they open."""
        raise self.unsupported(  # type: ignore[attr-defined]
            "write a revert commit", "revert the merge by hand, or name a rollback workflow (deploy.rollback)"
        )
