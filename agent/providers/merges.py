"""Merging a pull request behind one method: what the hub's merge decision will ask of GitHub and GitLab.

``Provider.merge_pull_request`` raises ``UnsupportedOperation`` unless the provider's module overrides it
(``_github_merges``, ``_gitlab_merges``); the values and the refusal it speaks in are here. The merge
always carries the head SHA the decision was made on: a head pushed since then makes the provider refuse,
and the refusal is ``MergeRefused`` with ``reason`` ``HEAD_CHANGED`` (decide again) or ``NOT_MERGEABLE``
(conflicts, branch protection, a required check), never a silent merge of something nobody decided about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.providers.base import ProviderError

METHODS = ("merge", "squash", "rebase")
HEAD_CHANGED, NOT_MERGEABLE = "head_changed", "not_mergeable"
# What became of the pull request's branch.
DELETED, DELETION_REQUESTED, KEPT, KEPT_FORK = (
    "deleted",
    "deletion requested",
    "kept",
    "kept: a fork's branch",
)


class MergeRefused(ProviderError):
    """The provider refused the merge; ``reason`` is HEAD_CHANGED or NOT_MERGEABLE."""

    def __init__(self, reason: str, message: str, hint: str = "", *, status: int | None = None) -> None:
        super().__init__(message, hint, status=status)
        self.reason = reason


@dataclass(frozen=True)
class MergeResult:
    number: str
    sha: str  # the merge (or squash) commit
    branch: str  # DELETED, DELETION_REQUESTED, KEPT or KEPT_FORK
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    pending: bool = False  # GitLab's auto-merge: set to merge at the same sha when its pipeline succeeds


def check_method(method: str, allowed: tuple[str, ...] = METHODS) -> None:
    if method not in allowed:
        raise ValueError(f"a merge method is one of {', '.join(allowed)}, not {method!r}")
