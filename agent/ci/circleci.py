"""CircleCI.

The workflow is the run (``CIRCLE_WORKFLOW_ID``; the pipeline id is not in the environment). CircleCI has
no attempt counter: a re-run makes a new workflow id, so the attempt stays 1. ``CIRCLE_PULL_REQUEST`` is a
URL, the number is taken from its end; ``CIRCLE_PR_NUMBER`` is only set for forks.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import _values as v
from agent.model import RunContext

PROVIDER = "circleci"


def detects(env: Mapping[str, str]) -> bool:
    return v.flag(env, "CIRCLECI")


def context(env: Mapping[str, str]) -> RunContext:
    owner, name = v.text(env, "CIRCLE_PROJECT_USERNAME"), v.text(env, "CIRCLE_PROJECT_REPONAME")
    repository = f"{owner}/{name}" if owner and name else None
    repository = repository or v.slug_from_url(v.text(env, "CIRCLE_REPOSITORY_URL"))
    pull_request = v.positive_int(v.text(env, "CIRCLE_PR_NUMBER")) or v.pull_request_from_url(
        v.text(env, "CIRCLE_PULL_REQUEST")
    )
    extra = {"tag": tag} if (tag := v.text(env, "CIRCLE_TAG")) else {}
    return RunContext(
        provider=PROVIDER,
        repository=repository,
        run_id=v.text(env, "CIRCLE_WORKFLOW_ID"),
        run_attempt=1,
        run_number=v.text(env, "CIRCLE_PIPELINE_NUMBER"),
        workflow=v.text(env, "CIRCLE_WORKFLOW_NAME"),
        branch=v.text(env, "CIRCLE_BRANCH"),
        commit_sha=v.sha(v.text(env, "CIRCLE_SHA1")),
        pull_request=pull_request,
        run_url=None,
        job_name=v.text(env, "CIRCLE_JOB"),
        job_id=v.text(env, "CIRCLE_WORKFLOW_JOB_ID", "CIRCLE_BUILD_NUM"),
        job_url=v.text(env, "CIRCLE_BUILD_URL"),
        extra=extra,
    )
