"""GitLab's merge API for ``GitLabProvider`` (``P`` = ``/projects/{id}``).

- merge: ``PUT P/merge_requests/{iid}/merge`` with ``{sha, squash, should_remove_source_branch,
  auto_merge}``; 409 when the head is not ``sha`` any more, 405, 406 or 422 when it cannot be merged
  (draft, conflicts, a pipeline that must succeed first). GitLab removes the source branch itself after
  the merge, so the branch is ``DELETION_REQUESTED``.
- auto-merge: with ``auto_merge`` (``merge_when_pipeline_succeeds`` before GitLab 17.11; both are sent), a
  merge request whose head pipeline is still running is not merged now but set to merge when that pipeline
  succeeds, still pinned to ``sha``: the answer is the open merge request with auto-merge on, returned as a
  ``MergeResult`` with ``pending`` set and no commit yet. One whose pipeline has ended merges at once.

GitLab merges by the project's merge method (merge commit, fast-forward); ``squash`` squashes first, and a
rebase is not something this call does. The token needs the ``api`` scope and the Developer role.
"""

from __future__ import annotations

from agent.providers._gitlab_changes import pull_request_info
from agent.providers.base import ProviderError, numeric_id
from agent.providers.http import ApiClient
from agent.providers.merges import (
    DELETION_REQUESTED,
    HEAD_CHANGED,
    KEPT,
    NOT_MERGEABLE,
    MergeRefused,
    MergeResult,
    check_method,
)

REFUSED = {409: HEAD_CHANGED, 405: NOT_MERGEABLE, 406: NOT_MERGEABLE, 422: NOT_MERGEABLE}


def merge_pull_request(
    http: ApiClient, base: str, number: int, *, sha: str, method: str, delete_branch: bool
) -> MergeResult:
    check_method(method, ("merge", "squash"))
    iid = numeric_id(number, "GitLab merge request", "a merge request is named by its number (iid)")
    body = {
        "sha": sha,
        "squash": method == "squash",
        "should_remove_source_branch": delete_branch,
        "auto_merge": True,
        "merge_when_pipeline_succeeds": True,
    }
    try:
        response = http.request("PUT", f"{base}/merge_requests/{iid}/merge", json=body)
    except ProviderError as exc:
        if exc.status in REFUSED:
            raise MergeRefused(REFUSED[exc.status], exc.message, exc.hint, status=exc.status) from None
        raise
    merged = http.json_body(response)
    if merged.get("state") == "opened" and pull_request_info(merged).auto_merge:
        branch = DELETION_REQUESTED if delete_branch else KEPT
        return MergeResult(iid, "", branch, dict(merged), pending=True)
    if merged.get("state") != "merged":
        raise MergeRefused(
            NOT_MERGEABLE,
            f"merge request !{iid} is {merged.get('state')!r} after the merge request to GitLab",
            "look at the merge request: GitLab may be waiting for its pipeline",
        )
    commit = merged.get("merge_commit_sha") or merged.get("squash_commit_sha") or sha
    return MergeResult(iid, str(commit), DELETION_REQUESTED if delete_branch else KEPT, dict(merged))
