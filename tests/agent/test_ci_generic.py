"""The generic fallback from ORCHESTRATE_* variables, and the precedence of explicit values."""

from __future__ import annotations

import pytest

from agent.ci import ContextError, detect
from agent.ci.overrides import apply

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_it_reports_a_custom_provider_when_no_ci_is_detected() -> None:
    ctx = detect({})
    assert ctx.provider == "custom"
    assert ctx.run_id is None


def test_it_reads_every_orchestrate_variable_when_no_ci_is_detected() -> None:
    ctx = detect(
        {
            "ORCHESTRATE_PROVIDER": "jenkins",
            "ORCHESTRATE_REPOSITORY": "octo/app",
            "ORCHESTRATE_COMMIT_SHA": SHA.upper(),
            "ORCHESTRATE_BRANCH": "main",
            "ORCHESTRATE_PULL_REQUEST": "4",
            "ORCHESTRATE_RUN_ID": "run-1",
            "ORCHESTRATE_RUN_ATTEMPT": "2",
            "ORCHESTRATE_WORKFLOW": "nightly",
            "ORCHESTRATE_JOB_NAME": "e2e",
            "ORCHESTRATE_RUN_URL": "https://ci.example.com/run-1",
        }
    )
    assert ctx.provider == "jenkins"
    assert (ctx.repository, ctx.run_id, ctx.run_attempt) == ("octo/app", "run-1", 2)
    assert ctx.commit_sha == SHA
    assert (ctx.branch, ctx.pull_request) == ("main", 4)
    assert (ctx.workflow, ctx.job_name) == ("nightly", "e2e")
    assert ctx.run_url == "https://ci.example.com/run-1"


def test_orchestrate_variables_refine_a_detected_ci() -> None:
    ctx = detect(
        {"JENKINS_URL": "https://ci.example.com/", "BUILD_TAG": "t-1", "ORCHESTRATE_REPOSITORY": "octo/app"}
    )
    assert ctx.provider == "jenkins"
    assert ctx.repository == "octo/app"
    assert ctx.run_id == "t-1"


def test_flags_override_the_environment() -> None:
    ctx = detect({"ORCHESTRATE_RUN_ID": "from-env", "ORCHESTRATE_BRANCH": "main"})
    ctx = apply(ctx, {"run_id": "from-flag", "branch": None, "pull_request": "8"})
    assert ctx.run_id == "from-flag"
    assert ctx.branch == "main"
    assert ctx.pull_request == 8


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORCHESTRATE_PROVIDER", "travis"),
        ("ORCHESTRATE_COMMIT_SHA", "not-a-sha"),
        ("ORCHESTRATE_PULL_REQUEST", "abc"),
        ("ORCHESTRATE_RUN_ATTEMPT", "0"),
    ],
)
def test_it_refuses_an_explicit_value_that_does_not_fit_the_schema(name: str, value: str) -> None:
    with pytest.raises(ContextError, match=name):
        detect({name: value})


def test_a_bad_flag_names_the_flag() -> None:
    with pytest.raises(ContextError, match="pull_request"):
        apply(detect({}), {"pull_request": "-1"})
