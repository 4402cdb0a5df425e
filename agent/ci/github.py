"""GitHub Actions (github.com and GitHub Enterprise Server).

Three traps, each handled here and tested:

* On ``pull_request`` and ``pull_request_target`` events ``GITHUB_SHA`` is the merge commit GitHub made for
  the run, not a commit anyone pushed. The head commit, the PR number and the base branch come from the
  event payload at ``$GITHUB_EVENT_PATH``; the branch is ``GITHUB_HEAD_REF``.
* ``GITHUB_JOB`` is the job's YAML key, not the numeric job id the REST API uses nor the display name
  GitHub shows, so it is recorded as the job *name* and ``job_id`` stays empty. Detection reads only the
  environment; ``orchestrate report`` then asks the API for the display name and id
  (``agent.commands.github_job``).
* Re-running a workflow keeps ``GITHUB_RUN_ID`` and bumps ``GITHUB_RUN_ATTEMPT``; the attempt is recorded
  so a re-run neither double-counts nor hides a flaky test.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agent.ci import _values as v
from agent.model import RunContext

PROVIDER = "github"
ENTERPRISE = "github-enterprise"
PUBLIC_SERVER = "https://github.com"
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
MAX_EVENT_BYTES = 32 * 1024 * 1024  # a push of thousands of commits stays far below this


def detects(env: Mapping[str, str]) -> bool:
    return v.flag(env, "GITHUB_ACTIONS")


def context(env: Mapping[str, str]) -> RunContext:
    server = (v.text(env, "GITHUB_SERVER_URL") or PUBLIC_SERVER).rstrip("/")
    repository = v.text(env, "GITHUB_REPOSITORY")
    run_id = v.text(env, "GITHUB_RUN_ID")
    event = v.text(env, "GITHUB_EVENT_NAME")
    ref = v.text(env, "GITHUB_REF") or ""

    commit = v.sha(v.text(env, "GITHUB_SHA"))
    branch = v.text(env, "GITHUB_REF_NAME") if ref.startswith("refs/heads/") else None
    base_branch = None
    pull_request = None
    extra: dict[str, str] = {}
    if ref.startswith("refs/tags/"):
        extra["tag"] = ref.removeprefix("refs/tags/")

    if event in PULL_REQUEST_EVENTS:
        payload = _read_event(env)
        pr = payload.get("pull_request") if isinstance(payload.get("pull_request"), dict) else {}
        merge_commit = commit
        commit = v.sha(_dig(pr, "head", "sha")) or commit
        if merge_commit and merge_commit != commit:
            extra["merge_commit_sha"] = merge_commit
        pull_request = v.positive_int(payload.get("number")) or v.positive_int(pr.get("number"))
        pull_request = pull_request or v.pull_request_from_url(ref.removesuffix("/merge"))
        branch = v.text(env, "GITHUB_HEAD_REF") or _dig(pr, "head", "ref")
        base_branch = _dig(pr, "base", "ref") or v.text(env, "GITHUB_BASE_REF")

    return RunContext(
        provider=PROVIDER if server == PUBLIC_SERVER else ENTERPRISE,
        repository=repository,
        run_id=run_id,
        run_attempt=v.attempt(v.text(env, "GITHUB_RUN_ATTEMPT")),
        run_number=v.text(env, "GITHUB_RUN_NUMBER"),
        workflow=v.text(env, "GITHUB_WORKFLOW"),
        event=event,
        branch=branch,
        commit_sha=commit,
        base_branch=base_branch,
        pull_request=pull_request,
        run_url=f"{server}/{repository}/actions/runs/{run_id}" if repository and run_id else None,
        job_name=v.text(env, "GITHUB_JOB"),
        job_id=None,
        server_url=server,
        extra=extra,
    )


def _read_event(env: Mapping[str, str]) -> dict[str, Any]:
    """The event payload, or ``{}`` when it is missing, oversized or not JSON (the env values then stand)."""
    path = v.text(env, "GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_EVENT_BYTES + 1)
        if len(raw) > MAX_EVENT_BYTES:
            return {}
        payload = json.loads(raw)
    except (OSError, ValueError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _dig(obj: Any, *keys: str) -> str | None:
    for key in keys:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj if isinstance(obj, str) and obj else None
