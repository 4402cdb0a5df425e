"""Jenkins.

A build is both the run and the job. ``BUILD_NUMBER`` is only unique inside one Jenkins job, so the run id
is ``BUILD_TAG`` (``jenkins-<job>-<number>``), unique on the controller. Jenkins has no attempt counter (a
rebuild is a new number). Multibranch pipelines give ``BRANCH_NAME`` and, for change requests,
``CHANGE_ID``/``CHANGE_BRANCH``/``CHANGE_TARGET``; the git plugin gives ``GIT_COMMIT`` and ``GIT_URL``.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import _values as v
from agent.model import RunContext

PROVIDER = "jenkins"


def detects(env: Mapping[str, str]) -> bool:
    return v.text(env, "JENKINS_URL") is not None


def context(env: Mapping[str, str]) -> RunContext:
    pull_request = v.positive_int(v.text(env, "CHANGE_ID"))
    branch = v.text(env, "CHANGE_BRANCH") if pull_request else None
    branch = branch or v.text(env, "BRANCH_NAME") or v.strip_ref(v.text(env, "GIT_BRANCH"))
    build_url = v.text(env, "BUILD_URL")
    return RunContext(
        provider=PROVIDER,
        repository=v.slug_from_url(v.text(env, "GIT_URL")),
        run_id=v.text(env, "BUILD_TAG", "BUILD_NUMBER"),
        run_attempt=1,
        run_number=v.text(env, "BUILD_NUMBER"),
        workflow=v.text(env, "JOB_NAME"),
        branch=branch,
        commit_sha=v.sha(v.text(env, "GIT_COMMIT")),
        base_branch=v.text(env, "CHANGE_TARGET"),
        pull_request=pull_request,
        run_url=build_url,
        job_name=v.text(env, "JOB_BASE_NAME", "JOB_NAME"),
        job_id=v.text(env, "BUILD_NUMBER"),
        job_url=build_url,
        server_url=v.text(env, "JENKINS_URL"),
    )
