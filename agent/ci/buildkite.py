"""Buildkite.

A build is the run (``BUILDKITE_BUILD_ID``, a UUID). A retried job keeps its step and gets
``BUILDKITE_RETRY_COUNT`` (0 for the first try), so the attempt is the retry count plus one.
``BUILDKITE_PULL_REQUEST`` is ``false`` outside pull requests, and ``BUILDKITE_COMMIT`` may be ``HEAD``
for a build started by hand: neither value reaches the report.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import _values as v
from agent.model import RunContext

PROVIDER = "buildkite"


def detects(env: Mapping[str, str]) -> bool:
    return v.flag(env, "BUILDKITE")


def context(env: Mapping[str, str]) -> RunContext:
    org, pipeline = v.text(env, "BUILDKITE_ORGANIZATION_SLUG"), v.text(env, "BUILDKITE_PIPELINE_SLUG")
    repository = v.slug_from_url(v.text(env, "BUILDKITE_REPO"))
    if repository is None and org and pipeline:
        repository = f"{org}/{pipeline}"
    retries = v.count(v.text(env, "BUILDKITE_RETRY_COUNT"))
    build_url = v.text(env, "BUILDKITE_BUILD_URL")
    job_id = v.text(env, "BUILDKITE_JOB_ID")
    extra = {"tag": tag} if (tag := v.text(env, "BUILDKITE_TAG")) else {}
    return RunContext(
        provider=PROVIDER,
        repository=repository,
        run_id=v.text(env, "BUILDKITE_BUILD_ID"),
        run_attempt=v.attempt(retries + 1 if retries is not None else None),
        run_number=v.text(env, "BUILDKITE_BUILD_NUMBER"),
        workflow=pipeline,
        event=v.text(env, "BUILDKITE_SOURCE"),
        branch=v.text(env, "BUILDKITE_BRANCH"),
        commit_sha=v.sha(v.text(env, "BUILDKITE_COMMIT")),
        base_branch=v.text(env, "BUILDKITE_PULL_REQUEST_BASE_BRANCH"),
        pull_request=v.positive_int(v.text(env, "BUILDKITE_PULL_REQUEST")),
        run_url=build_url,
        job_name=v.text(env, "BUILDKITE_LABEL", "BUILDKITE_STEP_KEY"),
        job_id=job_id,
        job_url=f"{build_url}#{job_id}" if build_url and job_id else None,
        extra=extra,
    )
