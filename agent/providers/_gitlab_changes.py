"""GitLab's repository APIs for ``GitLabProvider`` (``P`` = ``/projects/{id}``).

- repository: ``GET P`` (``default_branch``)
- a branch's head: ``GET P/repository/branches/{branch}`` (404: no such branch)
- a commit: ``POST P/repository/commits`` with ``{branch, start_sha, commit_message, actions}``, one action
  per file (``create``, ``update`` or ``delete``; content base64; ``execute_filemode``), which creates the
  branch at ``start_sha`` and commits on it in one request
- a merge undone: ``POST P/repository/branches`` ``{branch, ref}`` at the merge commit, then
  ``POST P/repository/commits/{sha}/revert`` ``{branch}`` (a merge commit is reverted against its first
  parent, as GitLab's "Revert" button does; GitLab writes the message itself)
- merge requests: ``POST P/merge_requests``, ``GET P/merge_requests?source_branch=B&state=all``,
  ``GET P/merge_requests/{iid}``, and the files one changes: ``GET P/merge_requests/{iid}/diffs`` (pages),
  each file's lines counted from its unified diff; a diff GitLab leaves out as too large counts as
  ``UNKNOWN_LINES``, over any size limit, since its size cannot be read
- approvals: ``GET P/merge_requests/{iid}/approvals``, its ``approved_by`` (each approver once; GitLab
  drops approvals itself when new commits are pushed, where the project says so)

The token needs the ``api`` scope and at least the Developer role. A ``CI_JOB_TOKEN`` cannot call these
(GitLab lets a job token push with git, when the project allows it, but not write commits or merge
requests through the API).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from agent.providers import _gitlab_repos
from agent.providers.base import NotFoundError, ProviderError, numeric_id
from agent.providers.changes import (
    CLOSED,
    EXECUTABLE,
    MERGED,
    OPEN,
    ChangedFile,
    FileChange,
    PullRequestInfo,
)
from agent.providers.http import ApiClient, collect
from agent.providers.repositories import RepositoryInfo

STATES = {"opened": OPEN, "closed": CLOSED, "locked": CLOSED, "merged": MERGED}
UNKNOWN_LINES = 1_000_000  # a diff GitLab does not send: larger than any merge.max_lines
MR_HINT = "check the project and the branches; the token needs the api scope and the Developer role"


def pull_request_info(data: Mapping[str, Any]) -> PullRequestInfo:
    return PullRequestInfo(
        number=str(data["iid"]),
        url=str(data.get("web_url") or ""),
        state=STATES.get(str(data.get("state")), OPEN),
        head=str(data.get("source_branch") or ""),
        base=str(data.get("target_branch") or ""),
        head_sha=str(data.get("sha") or ""),
        title=str(data.get("title") or ""),
        from_fork=data.get("source_project_id") != data.get("target_project_id"),
        raw=dict(data),
        auto_merge=bool(data.get("merge_when_pipeline_succeeds") or data.get("auto_merge_enabled")),
    )


def repository(http: ApiClient, base: str) -> RepositoryInfo:
    data = http.get_json(base)
    if not data.get("default_branch"):  # publishing must know which branch it may never write to
        raise ProviderError("the repository's answer names no default branch; check the token can read it")
    return _gitlab_repos.repository_info(data)


def branch_sha(http: ApiClient, base: str, branch: str) -> str | None:
    try:
        data = http.get_json(f"{base}/repository/branches/{quote(branch, safe='')}")
    except NotFoundError:
        return None
    return str(data["commit"]["id"])


def _action(change: FileChange) -> dict[str, Any]:
    if change.content is None:
        return {"action": "delete", "file_path": change.path}
    return {
        "action": "create" if change.new else "update",
        "file_path": change.path,
        "content": base64.b64encode(change.content).decode("ascii"),
        "encoding": "base64",
        "execute_filemode": change.mode == EXECUTABLE,
    }


def create_commit(
    http: ApiClient, base: str, *, branch: str, parent: str, message: str, files: Sequence[FileChange]
) -> str:
    body = {
        "branch": branch,
        "start_sha": parent,
        "commit_message": message,
        "actions": [_action(change) for change in files],
    }
    response = http.request("POST", f"{base}/repository/commits", json=body, not_found_hint=MR_HINT)
    return str(http.json_body(response)["id"])


def revert_merge(http: ApiClient, base: str, *, branch: str, merge_sha: str) -> str:
    """Create ``branch`` at ``merge_sha`` (unless an earlier attempt did) and revert the merge on it."""
    if branch_sha(http, base, branch) is None:
        http.request(
            "POST",
            f"{base}/repository/branches",
            json={"branch": branch, "ref": merge_sha},
            not_found_hint="the merge commit is not on GitLab: was the merge undone by hand?",
        )
    response = http.request(
        "POST", f"{base}/repository/commits/{quote(merge_sha, safe='')}/revert", json={"branch": branch}
    )
    return str(http.json_body(response)["id"])


def open_pull_request(
    http: ApiClient, base: str, *, head: str, base_branch: str, title: str, body: str
) -> PullRequestInfo:
    form = {
        "source_branch": head,
        "target_branch": base_branch,
        "title": title,
        "description": body,
        "remove_source_branch": True,
    }
    response = http.request("POST", f"{base}/merge_requests", json=form, not_found_hint=MR_HINT)
    return pull_request_info(http.json_body(response))


def find_pull_requests(http: ApiClient, base: str, head: str) -> list[PullRequestInfo]:
    params = {"source_branch": head, "state": "all", "order_by": "created_at", "sort": "desc"}
    found = [pull_request_info(data) for data in http.get_json(f"{base}/merge_requests", params=params)]
    return [request for request in found if not request.from_fork]  # a fork's branch of that name is not ours


def get_pull_request(http: ApiClient, base: str, number: str) -> PullRequestInfo:
    number = numeric_id(number, "GitLab merge request", "a merge request is named by its iid")
    return pull_request_info(http.get_json(f"{base}/merge_requests/{number}", not_found_hint=MR_HINT))


def pull_request_files(http: ApiClient, base: str, number: str, per_page: int) -> list[ChangedFile]:
    number = numeric_id(number, "GitLab merge request", "a merge request is named by its iid")
    pages = http.numbered_pages(
        f"{base}/merge_requests/{number}/diffs", items=lambda body: body, per_page=per_page
    )
    return [_changed(data) for data in collect(pages, lambda body: body)]


def _changed(data: Mapping[str, Any]) -> ChangedFile:
    path = str(data.get("new_path") or data.get("old_path") or "")
    diff = str(data.get("diff") or "")
    if not diff and (data.get("too_large") or data.get("collapsed")):
        return ChangedFile(path, UNKNOWN_LINES, 0)
    lines = diff.splitlines()
    added = sum(1 for line in lines if line.startswith("+") and not line.startswith("+++ "))
    deleted = sum(1 for line in lines if line.startswith("-") and not line.startswith("--- "))
    return ChangedFile(path, added, deleted)


def pull_request_approvals(http: ApiClient, base: str, number: str) -> int:
    number = numeric_id(number, "GitLab merge request", "a merge request is named by its iid")
    answer = http.get_json(f"{base}/merge_requests/{number}/approvals", not_found_hint=MR_HINT)
    approvers = {str((entry.get("user") or {}).get("id")) for entry in answer.get("approved_by") or ()}
    return len(approvers - {"None"})
