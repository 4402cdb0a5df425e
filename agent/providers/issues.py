"""Issue trackers behind one set of methods: what the hub's issues responder asks of GitHub and GitLab.

``IssueTracker`` is a base of every ``Provider``: its methods raise ``UnsupportedOperation`` unless the
provider's module overrides them (GitHub's and GitLab's do, in ``_github_issues`` and ``_gitlab_issues``;
CircleCI and a custom CI have no issues). An issue crosses the boundary as ``IssueInfo`` in our words:
``number`` is what people see (GitHub's ``number``, GitLab's ``iid``), ``state`` is ``open`` or ``closed``
on both, ``body`` is GitHub's ``body`` or GitLab's ``description``.

Writes go through the provider's ``ApiClient``, so they share its rate-limit waiting and its spacing of
mutating requests; how many issues a project may write per hour is the hub's policy, not this layer's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

OPEN, CLOSED = "open", "closed"
MAX_LISTED = 1000  # issues read when looking for one by its marker: ten pages of a hundred


@dataclass(frozen=True)
class IssueInfo:
    number: str
    url: str
    state: str  # OPEN or CLOSED
    title: str
    body: str
    labels: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class IssueTracker:
    """The issue operations; each raises ``UnsupportedOperation`` where the CI has no issues."""

    def _no_issues(self, operation: str) -> Exception:
        return self.unsupported(operation, "issues are filed on GitHub or GitLab projects only")  # type: ignore[attr-defined]

    def list_issues(self, labels: Sequence[str], *, limit: int = MAX_LISTED) -> list[IssueInfo]:
        """Issues carrying every label in ``labels``, open and closed, newest first, at most ``limit``."""
        raise self._no_issues("list issues")

    def create_issue(self, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
        raise self._no_issues("create issues")

    def update_issue(
        self, number: str, *, title: str | None = None, body: str | None = None, state: str | None = None
    ) -> IssueInfo:
        """Change what is given: the title, the body, the state (OPEN reopens, CLOSED closes)."""
        raise self._no_issues("update issues")

    def find_issue(self, labels: Sequence[str], marker: str) -> IssueInfo | None:
        """The newest issue with ``labels`` whose body contains ``marker``, open or closed; None if none."""
        return next((issue for issue in self.list_issues(labels) if marker in issue.body), None)

    def close_issue(self, number: str) -> IssueInfo:
        return self.update_issue(number, state=CLOSED)

    def reopen_issue(self, number: str) -> IssueInfo:
        return self.update_issue(number, state=OPEN)


def check_state(state: str | None) -> None:
    if state not in (None, OPEN, CLOSED):
        raise ValueError(f"an issue's state is {OPEN!r} or {CLOSED!r}, not {state!r}")
