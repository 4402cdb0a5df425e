"""GitHub's commit statuses API for ``GitHubProvider`` (``R`` = ``/repos/OWNER/NAME``).

- set: ``POST R/statuses/{sha}`` with ``{state, context, description, target_url}``; ``state`` is one of
  ``pending``, ``success``, ``failure``, ``error`` (ours exactly); a description longer than 140
  characters is refused by GitHub, so it is cut here
- read: ``GET R/commits/{sha}/statuses`` (paged, newest first)

The token needs Commit statuses: read and write (fine-grained) or the ``repo:status`` scope (classic).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.providers.http import ApiClient, collect
from agent.providers.statuses import CommitStatus, check_status

MAX_DESCRIPTION = 140


def status_info(sha: str, data: Mapping[str, Any]) -> CommitStatus:
    return CommitStatus(
        sha=sha,
        state=str(data.get("state") or ""),
        context=str(data.get("context") or ""),
        description=str(data.get("description") or ""),
        target_url=str(data.get("target_url") or ""),
        url=str(data.get("url") or ""),
        raw=dict(data),
    )


def set_commit_status(
    http: ApiClient, base: str, sha: str, state: str, *, context: str, description: str, target_url: str
) -> CommitStatus:
    sha = check_status(sha, state)
    body: dict[str, Any] = {"state": state, "context": context, "description": description[:MAX_DESCRIPTION]}
    if target_url:
        body["target_url"] = target_url
    response = http.request(
        "POST",
        f"{base}/statuses/{sha}",
        json=body,
        not_found_hint="the commit must be pushed to the repository; the token needs commit statuses: write",
    )
    return status_info(sha, http.json_body(response))


def commit_statuses(http: ApiClient, base: str, sha: str, per_page: int) -> list[CommitStatus]:
    sha = check_status(sha, "pending")
    pages = http.link_pages(f"{base}/commits/{sha}/statuses", params={"per_page": per_page})
    return [status_info(sha, data) for data in collect(pages, lambda body: body)]
