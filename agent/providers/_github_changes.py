"""GitHub's repository APIs for ``GitHubProvider`` (``R`` = ``/repos/OWNER/NAME``).

- repository: ``GET R`` (``default_branch``)
- a branch's head: ``GET R/git/ref/heads/{branch}`` (404: no such branch)
- a commit through the git data API: ``POST R/git/blobs`` per file (base64), ``GET R/git/commits/{parent}``
  for its tree, ``POST R/git/trees`` on that tree (a deleted file is an entry with ``sha: null``),
  ``POST R/git/commits``, then ``POST R/git/refs`` to create the branch at it (422 when it exists)
- pull requests: ``POST R/pulls``, ``GET R/pulls?head=OWNER:BRANCH&state=all``, ``GET R/pulls/{number}``,
  ``GET R/pulls/{number}/files`` (paged; GitHub lists at most 3000 files)
- approvals: ``GET R/pulls/{number}/reviews`` (paged, oldest first): each reviewer's latest deciding review

The token needs Contents: read and write and Pull requests: read and write (fine-grained) or the ``repo``
scope (classic); a commit that changes ``.github/workflows/`` also needs Workflows: write.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from agent.providers import _github_repos
from agent.providers.base import NotFoundError, ProviderError, numeric_id
from agent.providers.changes import CLOSED, MERGED, OPEN, ChangedFile, FileChange, PullRequestInfo
from agent.providers.http import ApiClient, collect
from agent.providers.repositories import RepositoryInfo

# A review that decides: approves, asks for changes, or withdraws an approval (dismissed). COMMENTED and
# PENDING reviews leave a reviewer's standing as it was, as on GitHub's own pull request page.
DECIDING = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})
PULLS_HINT = "check the repository and the branches; the token needs pull-requests: write"


def pull_request_info(data: Mapping[str, Any]) -> PullRequestInfo:
    head, base = data.get("head") or {}, data.get("base") or {}
    head_repo = (head.get("repo") or {}).get("full_name")
    base_repo = (base.get("repo") or {}).get("full_name")
    state = CLOSED if data.get("state") == CLOSED else OPEN
    if state == CLOSED and data.get("merged_at"):
        state = MERGED
    return PullRequestInfo(
        number=str(data["number"]),
        url=str(data.get("html_url") or ""),
        state=state,
        head=str(head.get("ref") or ""),
        base=str(base.get("ref") or ""),
        head_sha=str(head.get("sha") or ""),
        title=str(data.get("title") or ""),
        # a fork that was deleted leaves ``head.repo`` null: its code came from elsewhere all the same
        from_fork=head_repo is None or head_repo != base_repo,
        raw=dict(data),
    )


def repository(http: ApiClient, base: str) -> RepositoryInfo:
    data = http.get_json(base)
    if not data.get("default_branch"):  # publishing must know which branch it may never write to
        raise ProviderError("the repository's answer names no default branch; check the token can read it")
    return _github_repos.repository_info(data)


def branch_sha(http: ApiClient, base: str, branch: str) -> str | None:
    try:
        data = http.get_json(f"{base}/git/ref/heads/{quote(branch)}")
    except NotFoundError:
        return None
    return str(data["object"]["sha"])


def create_commit(
    http: ApiClient, base: str, *, branch: str, parent: str, message: str, files: Sequence[FileChange]
) -> str:
    entries: list[dict[str, Any]] = []
    for change in files:
        entry: dict[str, Any] = {"path": change.path, "mode": change.mode, "type": "blob"}
        if change.content is None:
            entry["sha"] = None  # removes the path from the base tree
        else:
            encoded = base64.b64encode(change.content).decode("ascii")
            blob = http.json_body(
                http.request("POST", f"{base}/git/blobs", json={"content": encoded, "encoding": "base64"})
            )
            entry["sha"] = blob["sha"]
        entries.append(entry)
    parent_commit = http.get_json(
        f"{base}/git/commits/{quote(parent)}",
        not_found_hint="the commit the fix starts from is not on GitHub: push it, or check out a pushed one",
    )
    tree = http.json_body(
        http.request(
            "POST", f"{base}/git/trees", json={"base_tree": parent_commit["tree"]["sha"], "tree": entries}
        )
    )
    commit = http.json_body(
        http.request(
            "POST",
            f"{base}/git/commits",
            json={"message": message, "tree": tree["sha"], "parents": [parent]},
        )
    )
    http.request("POST", f"{base}/git/refs", json={"ref": f"refs/heads/{branch}", "sha": commit["sha"]})
    return str(commit["sha"])


def revert_merge(http: ApiClient, base: str, *, branch: str, merge_sha: str, message: str) -> str:
    merge = http.get_json(
        f"{base}/git/commits/{quote(merge_sha)}",
        not_found_hint="the merge commit is not on GitHub: was the merge undone by hand?",
    )
    if not merge.get("parents"):
        raise ProviderError(f"commit {merge_sha[:12]} has no parent: there is nothing to revert to")
    before = http.get_json(f"{base}/git/commits/{quote(merge['parents'][0]['sha'])}")
    commit = http.json_body(
        http.request(
            "POST",
            f"{base}/git/commits",
            json={"message": message, "tree": before["tree"]["sha"], "parents": [merge_sha]},
        )
    )
    http.request("POST", f"{base}/git/refs", json={"ref": f"refs/heads/{branch}", "sha": commit["sha"]})
    return str(commit["sha"])


def open_pull_request(
    http: ApiClient, base: str, *, head: str, base_branch: str, title: str, body: str
) -> PullRequestInfo:
    response = http.request(
        "POST",
        f"{base}/pulls",
        json={"title": title, "body": body, "head": head, "base": base_branch},
        not_found_hint=PULLS_HINT,
    )
    return pull_request_info(http.json_body(response))


def find_pull_requests(http: ApiClient, base: str, owner: str, head: str) -> list[PullRequestInfo]:
    params = {"head": f"{owner}:{head}", "state": "all", "sort": "created", "direction": "desc"}
    return [pull_request_info(data) for data in http.get_json(f"{base}/pulls", params=params)]


def get_pull_request(http: ApiClient, base: str, number: str) -> PullRequestInfo:
    number = numeric_id(number, "GitHub pull request", "a pull request is named by its number")
    return pull_request_info(http.get_json(f"{base}/pulls/{number}", not_found_hint=PULLS_HINT))


def pull_request_files(http: ApiClient, base: str, number: str, per_page: int) -> list[ChangedFile]:
    number = numeric_id(number, "GitHub pull request", "a pull request is named by its number")
    pages = http.link_pages(f"{base}/pulls/{number}/files", params={"per_page": per_page})
    return [
        ChangedFile(str(data["filename"]), int(data.get("additions") or 0), int(data.get("deletions") or 0))
        for data in collect(pages, lambda body: body)
    ]


def pull_request_approvals(http: ApiClient, base: str, number: str, per_page: int) -> int:
    number = numeric_id(number, "GitHub pull request", "a pull request is named by its number")
    pages = http.link_pages(f"{base}/pulls/{number}/reviews", params={"per_page": per_page})
    return approvals(collect(pages, lambda body: body))


def approvals(reviews: Iterable[Mapping[str, Any]]) -> int:
    """The reviewers whose latest deciding review (``DECIDING``; GitHub lists them oldest first) approves."""
    latest: dict[str, str] = {}
    for review in reviews:
        reviewer = str((review.get("user") or {}).get("login") or "")
        if reviewer and review.get("state") in DECIDING:
            latest[reviewer] = str(review["state"])
    return sum(1 for state in latest.values() if state == "APPROVED")
