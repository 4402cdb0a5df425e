"""GitLab CI detection: pipelines as runs, merge request pipelines, self-managed instances."""

from __future__ import annotations

from agent.ci import detect

SHA = "1" * 40
MERGED_RESULT_SHA = "2" * 40


def gitlab_env(**overrides: str) -> dict[str, str]:
    env = {
        "GITLAB_CI": "true",
        "CI_SERVER_URL": "https://gitlab.com",
        "CI_PROJECT_PATH": "group/sub/app",
        "CI_PIPELINE_ID": "1122334455",
        "CI_PIPELINE_IID": "88",
        "CI_PIPELINE_SOURCE": "push",
        "CI_PIPELINE_URL": "https://gitlab.com/group/sub/app/-/pipelines/1122334455",
        "CI_JOB_ID": "998877",
        "CI_JOB_NAME": "rspec 1/2",
        "CI_JOB_URL": "https://gitlab.com/group/sub/app/-/jobs/998877",
        "CI_COMMIT_SHA": SHA,
        "CI_COMMIT_BRANCH": "main",
        "CI_COMMIT_REF_NAME": "main",
    }
    env.update(overrides)
    return env


def test_it_reads_a_branch_pipeline() -> None:
    ctx = detect(gitlab_env())
    assert ctx.provider == "gitlab"
    assert ctx.repository == "group/sub/app"
    assert ctx.run_id == "1122334455"
    assert ctx.run_number == "88"
    assert ctx.run_attempt == 1
    assert ctx.branch == "main"
    assert ctx.commit_sha == SHA
    assert (ctx.job_name, ctx.job_id) == ("rspec 1/2", "998877")
    assert ctx.job_url == "https://gitlab.com/group/sub/app/-/jobs/998877"
    assert ctx.run_url == "https://gitlab.com/group/sub/app/-/pipelines/1122334455"


def test_it_reads_a_merge_request_pipeline() -> None:
    ctx = detect(
        gitlab_env(
            CI_PIPELINE_SOURCE="merge_request_event",
            CI_COMMIT_BRANCH="",
            CI_COMMIT_REF_NAME="refs/merge-requests/5/head",
            CI_MERGE_REQUEST_IID="5",
            CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="feature",
            CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main",
        )
    )
    assert ctx.pull_request == 5
    assert ctx.branch == "feature"
    assert ctx.base_branch == "main"
    assert ctx.event == "merge_request_event"


def test_it_takes_the_source_branch_sha_in_a_merged_results_pipeline() -> None:
    ctx = detect(
        gitlab_env(
            CI_COMMIT_SHA=MERGED_RESULT_SHA,
            CI_MERGE_REQUEST_IID="5",
            CI_MERGE_REQUEST_SOURCE_BRANCH_SHA=SHA,
        )
    )
    assert ctx.commit_sha == SHA
    assert ctx.extra["merge_commit_sha"] == MERGED_RESULT_SHA


def test_it_reports_a_self_managed_instance() -> None:
    ctx = detect(gitlab_env(CI_SERVER_URL="https://gitlab.example.org"))
    assert ctx.provider == "gitlab-self-managed"
    assert ctx.server_url == "https://gitlab.example.org"


def test_it_records_a_tag_pipeline_without_a_branch() -> None:
    ctx = detect(gitlab_env(CI_COMMIT_BRANCH="", CI_COMMIT_REF_NAME="v2.0", CI_COMMIT_TAG="v2.0"))
    assert ctx.branch is None
    assert ctx.extra["tag"] == "v2.0"
