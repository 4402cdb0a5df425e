"""GitHub's Issues API for ``GitHubProvider`` (``R`` = ``/repos/OWNER/NAME``).

- list: ``GET R/issues?labels=a,b&state=all&sort=created`` (Link pagination); pull requests are issues
  too in this list and are left out (they carry ``pull_request``)
- create: ``POST R/issues`` with ``{title, body, labels}``
- update, close, reopen: ``PATCH R/issues/{number}`` with ``{title, body, state}``, where closing says
  ``state_reason: completed`` and reopening ``state_reason: reopened``

The token needs Issues: read and write (fine-grained) or the ``repo`` scope (classic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent.providers.base import numeric_id
from agent.providers.http import ApiClient, collect
from agent.providers.issues import CLOSED, MAX_LISTED, OPEN, IssueInfo, check_state

PER_PAGE = 100
REASONS = {CLOSED: "completed", OPEN: "reopened"}


def issue_info(data: Mapping[str, Any]) -> IssueInfo:
    return IssueInfo(
        number=str(data["number"]),
        url=str(data.get("html_url") or ""),
        state=CLOSED if data.get("state") == CLOSED else OPEN,
        title=str(data.get("title") or ""),
        body=str(data.get("body") or ""),
        labels=tuple(str(label["name"]) for label in data.get("labels") or () if isinstance(label, dict)),
        raw=dict(data),
    )


def list_issues(
    http: ApiClient, base: str, labels: Sequence[str], limit: int = MAX_LISTED
) -> list[IssueInfo]:
    params = {"labels": ",".join(labels), "state": "all", "sort": "created", "per_page": PER_PAGE}
    pages = http.link_pages(f"{base}/issues", params=params)
    found = collect(pages, lambda body: [item for item in body if "pull_request" not in item], limit)
    return [issue_info(data) for data in found]


def create_issue(http: ApiClient, base: str, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
    response = http.request(
        "POST", f"{base}/issues", json={"title": title, "body": body, "labels": list(labels)}
    )
    return issue_info(http.json_body(response))


def update_issue(
    http: ApiClient, base: str, number: str, *, title: str | None, body: str | None, state: str | None
) -> IssueInfo:
    check_state(state)
    changes: dict[str, Any] = {
        "title": title,
        "body": body,
        "state": state,
        "state_reason": REASONS.get(state),
    }
    number = numeric_id(number, "GitHub issue", "an issue is named by its number")
    response = http.request(
        "PATCH",
        f"{base}/issues/{number}",
        json={key: value for key, value in changes.items() if value is not None},
        not_found_hint="the issue may have been deleted or moved to another repository",
    )
    return issue_info(http.json_body(response))
