"""GitLab's commit status API for ``GitLabProvider`` (``P`` = ``/projects/{id}``).

- set: ``POST P/statuses/{sha}`` with ``{state, name, description, target_url}``
- read: ``GET P/repository/commits/{sha}/statuses`` (pages; the latest status of each name)

GitLab's states are not GitHub's: ours map through ``STATES`` below (``pending`` becomes ``running``,
since validate sets it while it works; ``failure`` and ``error`` both become ``failed``), and read back
through ``OURS``. GitLab refuses a transition to the state a status already has (``Cannot transition
status via :run from :running``, a 400); that status is already what was asked, so it is read back
instead. The token needs the ``api`` scope and at least the Developer role.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.providers.base import ProviderError
from agent.providers.http import ApiClient, collect
from agent.providers.statuses import ERROR, FAILURE, PENDING, SUCCESS, CommitStatus, check_status

STATES: dict[str, str] = {PENDING: "running", SUCCESS: "success", FAILURE: "failed", ERROR: "failed"}
OURS: dict[str, str] = {
    "pending": PENDING,
    "running": PENDING,
    "success": SUCCESS,
    "failed": FAILURE,
    "canceled": ERROR,
    "skipped": ERROR,
}
MAX_DESCRIPTION = 255


def status_info(sha: str, data: Mapping[str, Any]) -> CommitStatus:
    return CommitStatus(
        sha=sha,
        state=OURS.get(str(data.get("status")), ERROR),
        context=str(data.get("name") or ""),
        description=str(data.get("description") or ""),
        target_url=str(data.get("target_url") or ""),
        url=str(data.get("target_url") or ""),
        raw=dict(data),
    )


def set_commit_status(
    http: ApiClient, base: str, sha: str, state: str, *, context: str, description: str, target_url: str
) -> CommitStatus:
    sha = check_status(sha, state)
    body: dict[str, Any] = {
        "state": STATES[state],
        "name": context,
        "description": description[:MAX_DESCRIPTION],
    }
    if target_url:
        body["target_url"] = target_url
    try:
        response = http.request(
            "POST",
            f"{base}/statuses/{sha}",
            json=body,
            not_found_hint="the commit must be pushed to the project; the token needs the api scope",
        )
    except ProviderError as exc:
        if exc.status == 400 and "Cannot transition status" in exc.message:
            return _current(http, base, sha, context, state)
        raise
    return status_info(sha, http.json_body(response))


def _current(http: ApiClient, base: str, sha: str, context: str, state: str) -> CommitStatus:
    """The status ``context`` has on ``sha`` when GitLab says it already is in the state asked for."""
    response = http.request("GET", f"{base}/repository/commits/{sha}/statuses", params={"name": context})
    for data in http.json_body(response) or ():
        if data.get("name") == context and OURS.get(str(data.get("status"))) == state:
            return status_info(sha, data)
    raise ProviderError(
        f"GitLab refused to set {context!r} on {sha[:12]} to {STATES[state]}",
        "look at the commit's statuses on GitLab; a finished status cannot go back to running",
    )


def commit_statuses(http: ApiClient, base: str, sha: str, per_page: int) -> list[CommitStatus]:
    sha = check_status(sha, PENDING)
    pages = http.numbered_pages(
        f"{base}/repository/commits/{sha}/statuses", items=lambda body: body, per_page=per_page
    )
    return [status_info(sha, data) for data in collect(pages, lambda body: body)]
