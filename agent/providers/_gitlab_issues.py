"""GitLab's Issues API for ``GitLabProvider`` (``P`` = ``/projects/{id}``).

- list: ``GET P/issues?labels=a,b&order_by=created_at&sort=desc`` (no ``state``: open and closed; pages by
  ``X-Next-Page``)
- create: ``POST P/issues`` with ``{title, description, labels}`` (labels comma-separated)
- update, close, reopen: ``PUT P/issues/{iid}`` with ``{title, description, state_event}``, where
  ``state_event`` is ``close`` or ``reopen``

GitLab names an issue's state ``opened`` where GitHub says ``open``; ``IssueInfo`` says ``open``. The
token needs the ``api`` scope and at least the Planner (or Reporter) role on the project.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from agent.providers.base import numeric_id
from agent.providers.http import ApiClient, collect
from agent.providers.issues import CLOSED, MAX_LISTED, OPEN, IssueInfo, check_state

PER_PAGE = 100
STATE_EVENTS = {CLOSED: "close", OPEN: "reopen"}


def issue_info(data: Mapping[str, Any]) -> IssueInfo:
    return IssueInfo(
        number=str(data["iid"]),
        url=str(data.get("web_url") or ""),
        state=CLOSED if data.get("state") == "closed" else OPEN,
        title=str(data.get("title") or ""),
        body=str(data.get("description") or ""),
        labels=tuple(str(label) for label in data.get("labels") or ()),
        raw=dict(data),
    )


def list_issues(
    http: ApiClient, base: str, labels: Sequence[str], limit: int = MAX_LISTED
) -> list[IssueInfo]:
    params = {"labels": ",".join(labels), "order_by": "created_at", "sort": "desc"}
    pages = http.numbered_pages(f"{base}/issues", items=lambda body: body, params=params, per_page=PER_PAGE)
    return [issue_info(data) for data in collect(pages, lambda body: body, limit)]


def create_issue(http: ApiClient, base: str, title: str, body: str, labels: Sequence[str]) -> IssueInfo:
    form = {"title": title, "description": body, "labels": ",".join(labels)}
    return issue_info(http.json_body(http.request("POST", f"{base}/issues", json=form)))


def update_issue(
    http: ApiClient, base: str, number: str, *, title: str | None, body: str | None, state: str | None
) -> IssueInfo:
    check_state(state)
    changes = {"title": title, "description": body, "state_event": STATE_EVENTS.get(state or "")}
    number = numeric_id(number, "GitLab issue", "an issue is named by its number (iid)")
    response = http.request(
        "PUT",
        f"{base}/issues/{number}",
        json={key: value for key, value in changes.items() if value is not None},
        not_found_hint="the issue may have been deleted or moved to another project",
    )
    return issue_info(http.json_body(response))
