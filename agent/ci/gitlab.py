"""GitLab CI/CD (gitlab.com and self-managed instances).

A pipeline is the run and ``CI_PIPELINE_ID`` (global, unlike the per-project ``CI_PIPELINE_IID``) its id.
GitLab has no run attempt: retrying a job makes a new ``CI_JOB_ID`` with the same name in the same
pipeline, so the attempt stays 1 and the job id tells the tries apart. In a merged-results pipeline
``CI_COMMIT_SHA`` is the merge commit; ``CI_MERGE_REQUEST_SOURCE_BRANCH_SHA`` is the head, used when set.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import _values as v
from agent.model import RunContext

PROVIDER = "gitlab"
SELF_MANAGED = "gitlab-self-managed"
PUBLIC_SERVER = "https://gitlab.com"


def detects(env: Mapping[str, str]) -> bool:
    return v.flag(env, "GITLAB_CI")


def context(env: Mapping[str, str]) -> RunContext:
    server = (v.text(env, "CI_SERVER_URL") or PUBLIC_SERVER).rstrip("/")
    merge_commit = v.sha(v.text(env, "CI_COMMIT_SHA"))
    commit = v.sha(v.text(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")) or merge_commit
    extra: dict[str, str] = {}
    if merge_commit and merge_commit != commit:
        extra["merge_commit_sha"] = merge_commit
    if tag := v.text(env, "CI_COMMIT_TAG"):
        extra["tag"] = tag
    branch = v.text(env, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "CI_COMMIT_BRANCH")
    if branch is None and "tag" not in extra:
        branch = v.text(env, "CI_COMMIT_REF_NAME")
    return RunContext(
        provider=PROVIDER if server == PUBLIC_SERVER else SELF_MANAGED,
        repository=v.text(env, "CI_PROJECT_PATH"),
        run_id=v.text(env, "CI_PIPELINE_ID"),
        run_attempt=1,
        run_number=v.text(env, "CI_PIPELINE_IID"),
        workflow=v.text(env, "CI_PIPELINE_NAME"),
        event=v.text(env, "CI_PIPELINE_SOURCE"),
        branch=branch,
        commit_sha=commit,
        base_branch=v.text(env, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME"),
        pull_request=v.positive_int(v.text(env, "CI_MERGE_REQUEST_IID")),
        run_url=v.text(env, "CI_PIPELINE_URL"),
        job_name=v.text(env, "CI_JOB_NAME"),
        job_id=v.text(env, "CI_JOB_ID"),
        job_url=v.text(env, "CI_JOB_URL"),
        server_url=server,
        extra=extra,
    )
