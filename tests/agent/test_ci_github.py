"""GitHub Actions detection, including its three traps: the merge SHA on pull requests, the job key that
is not a job id, and re-runs that keep the run id and bump the attempt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.ci import detect

HEAD_SHA = "a" * 40
MERGE_SHA = "b" * 40


def github_env(**overrides: str) -> dict[str, str]:
    env = {
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_RUN_ID": "9876543210",
        "GITHUB_RUN_NUMBER": "42",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_WORKFLOW": "CI",
        "GITHUB_JOB": "unit-tests",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": HEAD_SHA,
    }
    env.update(overrides)
    return env


@pytest.fixture
def pull_request_env(tmp_path: Path) -> dict[str, str]:
    event = {
        "action": "synchronize",
        "number": 17,
        "pull_request": {
            "number": 17,
            "head": {"sha": HEAD_SHA, "ref": "feature/login"},
            "base": {"sha": "c" * 40, "ref": "main"},
        },
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event))
    return github_env(
        GITHUB_EVENT_NAME="pull_request",
        GITHUB_EVENT_PATH=str(path),
        GITHUB_REF="refs/pull/17/merge",
        GITHUB_REF_NAME="17/merge",
        GITHUB_HEAD_REF="feature/login",
        GITHUB_BASE_REF="main",
        GITHUB_SHA=MERGE_SHA,
    )


def test_it_reads_a_push_run() -> None:
    ctx = detect(github_env())
    assert ctx.provider == "github"
    assert ctx.repository == "octo/app"
    assert ctx.run_id == "9876543210"
    assert ctx.run_number == "42"
    assert ctx.workflow == "CI"
    assert ctx.event == "push"
    assert ctx.branch == "main"
    assert ctx.commit_sha == HEAD_SHA
    assert ctx.pull_request is None
    assert ctx.run_url == "https://github.com/octo/app/actions/runs/9876543210"


def test_it_takes_the_pull_request_head_sha_not_the_merge_commit(pull_request_env: dict[str, str]) -> None:
    ctx = detect(pull_request_env)
    assert ctx.commit_sha == HEAD_SHA
    assert ctx.extra["merge_commit_sha"] == MERGE_SHA


def test_it_reads_the_pull_request_number_and_branches_from_the_event(
    pull_request_env: dict[str, str],
) -> None:
    ctx = detect(pull_request_env)
    assert ctx.pull_request == 17
    assert ctx.branch == "feature/login"
    assert ctx.base_branch == "main"


def test_it_treats_pull_request_target_like_pull_request(pull_request_env: dict[str, str]) -> None:
    ctx = detect({**pull_request_env, "GITHUB_EVENT_NAME": "pull_request_target"})
    assert ctx.commit_sha == HEAD_SHA
    assert ctx.pull_request == 17


def test_it_falls_back_to_the_ref_when_the_event_file_is_missing(pull_request_env: dict[str, str]) -> None:
    ctx = detect({**pull_request_env, "GITHUB_EVENT_PATH": "/nonexistent/event.json"})
    assert ctx.pull_request == 17
    assert ctx.commit_sha == MERGE_SHA  # the best there is without the payload
    assert ctx.branch == "feature/login"


def test_it_records_the_job_key_as_the_job_name_and_leaves_the_job_id_empty() -> None:
    ctx = detect(github_env())
    assert ctx.job_name == "unit-tests"
    assert ctx.job_id is None


def test_it_records_the_attempt_of_a_rerun_under_the_same_run_id() -> None:
    first = detect(github_env(GITHUB_RUN_ATTEMPT="1"))
    rerun = detect(github_env(GITHUB_RUN_ATTEMPT="3"))
    assert (first.run_id, first.run_attempt) == ("9876543210", 1)
    assert (rerun.run_id, rerun.run_attempt) == ("9876543210", 3)


def test_it_reports_github_enterprise_when_the_server_is_not_github_com() -> None:
    ctx = detect(github_env(GITHUB_SERVER_URL="https://github.example.com"))
    assert ctx.provider == "github-enterprise"
    assert ctx.server_url == "https://github.example.com"
    assert ctx.run_url == "https://github.example.com/octo/app/actions/runs/9876543210"


def test_it_records_a_tag_push_as_a_tag_not_a_branch() -> None:
    ctx = detect(github_env(GITHUB_REF="refs/tags/v1.2.0", GITHUB_REF_NAME="v1.2.0"))
    assert ctx.branch is None
    assert ctx.extra["tag"] == "v1.2.0"
