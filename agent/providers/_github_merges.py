"""GitHub's pulls merge API for ``GitHubProvider`` (``R`` = ``/repos/OWNER/NAME``).

- head: ``GET R/pulls/{number}`` (``head.sha``, ``head.ref``, ``head.repo.full_name``)
- merge: ``PUT R/pulls/{number}/merge`` with ``{sha, merge_method}``; 409 when the head is not ``sha``
  any more, 405 (or 422) when it cannot be merged (conflicts, protection, required checks)
- branch: ``DELETE R/git/refs/heads/{ref}``, only for a branch of this repository (never a fork's); a 422
  says it is already gone

The token needs Contents: write and Pull requests: write (fine-grained) or ``repo`` (classic).
"""

from __future__ import annotations

from urllib.parse import quote

from agent.providers.base import ProviderError, numeric_id
from agent.providers.http import ApiClient
from agent.providers.merges import (
    DELETED,
    HEAD_CHANGED,
    KEPT,
    KEPT_FORK,
    NOT_MERGEABLE,
    MergeRefused,
    MergeResult,
    check_method,
)

REFUSED = {409: HEAD_CHANGED, 405: NOT_MERGEABLE, 422: NOT_MERGEABLE}


def merge_pull_request(
    http: ApiClient, base: str, repo: str, number: int, *, sha: str, method: str, delete_branch: bool
) -> MergeResult:
    check_method(method)
    number_text = numeric_id(number, "GitHub pull request", "a pull request is named by its number")
    pull = http.json_body(http.request("GET", f"{base}/pulls/{number_text}"))
    head = pull.get("head") or {}
    if head.get("sha") != sha:
        raise MergeRefused(
            HEAD_CHANGED,
            f"pull request #{number_text} has head {str(head.get('sha'))[:12]}, not {sha[:12]}",
            "decide again on the new head",
        )
    try:
        response = http.request(
            "PUT", f"{base}/pulls/{number_text}/merge", json={"sha": sha, "merge_method": method}
        )
    except ProviderError as exc:
        if exc.status in REFUSED:
            raise MergeRefused(REFUSED[exc.status], exc.message, exc.hint, status=exc.status) from None
        raise
    merged = http.json_body(response)
    branch = KEPT
    if delete_branch:
        own = str(((head.get("repo") or {}).get("full_name")) or "").lower() == repo.lower()
        branch = _delete(http, base, str(head.get("ref") or "")) if own else KEPT_FORK
    return MergeResult(number_text, str(merged.get("sha") or ""), branch, dict(merged))


def _delete(http: ApiClient, base: str, ref: str) -> str:
    try:
        http.request("DELETE", f"{base}/git/refs/heads/{quote(ref, safe='/')}")
    except ProviderError as exc:
        if exc.status != 422:  # "Reference does not exist": deleted already (by GitHub's own setting)
            raise
    return DELETED
