"""Azure Pipelines.

Azure sets ``TF_BUILD=True``. A build is the run (``BUILD_BUILDID``); ``SYSTEM_JOBATTEMPT`` counts the
tries of this job. For a pull-request build ``BUILD_SOURCEVERSION`` is the merge commit and
``SYSTEM_PULLREQUEST_SOURCECOMMITID`` the head; the PR number is ``SYSTEM_PULLREQUEST_PULLREQUESTNUMBER``
for GitHub repositories and ``SYSTEM_PULLREQUEST_PULLREQUESTID`` for Azure Repos.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import _values as v
from agent.model import RunContext

PROVIDER = "azure-pipelines"


def detects(env: Mapping[str, str]) -> bool:
    return v.flag(env, "TF_BUILD")


def context(env: Mapping[str, str]) -> RunContext:
    merge_commit = v.sha(v.text(env, "BUILD_SOURCEVERSION"))
    commit = v.sha(v.text(env, "SYSTEM_PULLREQUEST_SOURCECOMMITID")) or merge_commit
    pull_request = v.positive_int(
        v.text(env, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", "SYSTEM_PULLREQUEST_PULLREQUESTID")
    )
    extra: dict[str, str] = {}
    if merge_commit and merge_commit != commit:
        extra["merge_commit_sha"] = merge_commit
    if pull_request:
        branch = v.strip_ref(v.text(env, "SYSTEM_PULLREQUEST_SOURCEBRANCH"))
    else:
        branch = v.strip_ref(v.text(env, "BUILD_SOURCEBRANCH"))
    if branch and branch.startswith("refs/tags/"):
        extra["tag"], branch = branch.removeprefix("refs/tags/"), None
    collection = v.text(env, "SYSTEM_COLLECTIONURI", "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI")
    project = v.text(env, "SYSTEM_TEAMPROJECT")
    build_id = v.text(env, "BUILD_BUILDID")
    run_url = None
    if collection and project and build_id:
        run_url = f"{collection.rstrip('/')}/{project}/_build/results?buildId={build_id}"
    return RunContext(
        provider=PROVIDER,
        repository=v.text(env, "BUILD_REPOSITORY_NAME"),
        run_id=build_id,
        run_attempt=v.attempt(v.text(env, "SYSTEM_JOBATTEMPT")),
        run_number=v.text(env, "BUILD_BUILDNUMBER"),
        workflow=v.text(env, "BUILD_DEFINITIONNAME"),
        event=v.text(env, "BUILD_REASON"),
        branch=branch,
        commit_sha=commit,
        base_branch=v.strip_ref(v.text(env, "SYSTEM_PULLREQUEST_TARGETBRANCH")) if pull_request else None,
        pull_request=pull_request,
        run_url=run_url,
        job_name=v.text(env, "SYSTEM_JOBDISPLAYNAME", "AGENT_JOBNAME", "SYSTEM_JOBNAME"),
        job_id=v.text(env, "SYSTEM_JOBID"),
        server_url=collection,
        extra=extra,
    )
