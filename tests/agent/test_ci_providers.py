"""CircleCI, Jenkins, Buildkite and Azure Pipelines detection: one table of variables per CI."""

from __future__ import annotations

from agent.ci import detect

SHA = "abcdef0123456789abcdef0123456789abcdef01"
MERGE_SHA = "f" * 40


def test_circleci_reads_the_workflow_as_the_run() -> None:
    ctx = detect(
        {
            "CIRCLECI": "true",
            "CIRCLE_PROJECT_USERNAME": "octo",
            "CIRCLE_PROJECT_REPONAME": "app",
            "CIRCLE_WORKFLOW_ID": "5b1c3b4e-aaaa-bbbb-cccc-000000000001",
            "CIRCLE_WORKFLOW_JOB_ID": "9b4a-job",
            "CIRCLE_BUILD_NUM": "301",
            "CIRCLE_JOB": "test",
            "CIRCLE_BUILD_URL": "https://circleci.com/gh/octo/app/301",
            "CIRCLE_SHA1": SHA,
            "CIRCLE_BRANCH": "feature",
            "CIRCLE_PULL_REQUEST": "https://github.com/octo/app/pull/12",
        }
    )
    assert ctx.provider == "circleci"
    assert ctx.repository == "octo/app"
    assert ctx.run_id == "5b1c3b4e-aaaa-bbbb-cccc-000000000001"
    assert (ctx.job_name, ctx.job_id) == ("test", "9b4a-job")
    assert ctx.job_url == "https://circleci.com/gh/octo/app/301"
    assert ctx.commit_sha == SHA
    assert ctx.branch == "feature"
    assert ctx.pull_request == 12


def test_jenkins_uses_the_build_tag_as_a_run_id_unique_across_jobs() -> None:
    ctx = detect(
        {
            "JENKINS_URL": "https://ci.example.com/",
            "BUILD_TAG": "jenkins-app-PR-7-15",
            "BUILD_NUMBER": "15",
            "BUILD_URL": "https://ci.example.com/job/app/job/PR-7/15/",
            "JOB_NAME": "app/PR-7",
            "JOB_BASE_NAME": "PR-7",
            "GIT_COMMIT": SHA,
            "GIT_URL": "git@github.com:octo/app.git",
            "BRANCH_NAME": "PR-7",
            "CHANGE_ID": "7",
            "CHANGE_BRANCH": "feature",
            "CHANGE_TARGET": "main",
        }
    )
    assert ctx.provider == "jenkins"
    assert ctx.run_id == "jenkins-app-PR-7-15"
    assert ctx.repository == "octo/app"
    assert ctx.pull_request == 7
    assert ctx.branch == "feature"
    assert ctx.base_branch == "main"
    assert ctx.run_url == "https://ci.example.com/job/app/job/PR-7/15/"


def test_jenkins_strips_the_remote_from_a_git_plugin_branch() -> None:
    ctx = detect({"JENKINS_URL": "https://ci.example.com/", "BUILD_NUMBER": "3", "GIT_BRANCH": "origin/main"})
    assert ctx.branch == "main"
    assert ctx.run_id == "3"


def test_buildkite_counts_retries_into_the_attempt() -> None:
    ctx = detect(
        {
            "BUILDKITE": "true",
            "BUILDKITE_BUILD_ID": "0190-uuid",
            "BUILDKITE_BUILD_NUMBER": "59034",
            "BUILDKITE_BUILD_URL": "https://buildkite.com/rails/rails/builds/59034",
            "BUILDKITE_JOB_ID": "d593f546",
            "BUILDKITE_LABEL": "activestorage (2.6)",
            "BUILDKITE_RETRY_COUNT": "2",
            "BUILDKITE_REPO": "https://github.com/rails/rails.git",
            "BUILDKITE_PIPELINE_SLUG": "rails",
            "BUILDKITE_COMMIT": SHA,
            "BUILDKITE_BRANCH": "main",
            "BUILDKITE_PULL_REQUEST": "false",
        }
    )
    assert ctx.provider == "buildkite"
    assert ctx.run_attempt == 3
    assert ctx.repository == "rails/rails"
    assert ctx.pull_request is None
    assert ctx.job_url == "https://buildkite.com/rails/rails/builds/59034#d593f546"


def test_buildkite_drops_a_commit_that_is_not_a_sha() -> None:
    ctx = detect({"BUILDKITE": "true", "BUILDKITE_BUILD_ID": "x", "BUILDKITE_COMMIT": "HEAD"})
    assert ctx.commit_sha is None


def test_azure_pipelines_takes_the_pull_request_source_commit() -> None:
    ctx = detect(
        {
            "TF_BUILD": "True",
            "BUILD_BUILDID": "1234",
            "BUILD_BUILDNUMBER": "20261121.3",
            "BUILD_DEFINITIONNAME": "app-ci",
            "BUILD_REASON": "PullRequest",
            "BUILD_REPOSITORY_NAME": "octo/app",
            "BUILD_SOURCEVERSION": MERGE_SHA,
            "BUILD_SOURCEBRANCH": "refs/pull/9/merge",
            "SYSTEM_PULLREQUEST_SOURCECOMMITID": SHA,
            "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER": "9",
            "SYSTEM_PULLREQUEST_SOURCEBRANCH": "refs/heads/feature",
            "SYSTEM_PULLREQUEST_TARGETBRANCH": "refs/heads/main",
            "SYSTEM_JOBATTEMPT": "2",
            "SYSTEM_JOBDISPLAYNAME": "Tests (linux)",
            "SYSTEM_JOBID": "job-guid",
            "SYSTEM_COLLECTIONURI": "https://dev.azure.com/octo/",
            "SYSTEM_TEAMPROJECT": "app",
        }
    )
    assert ctx.provider == "azure-pipelines"
    assert ctx.commit_sha == SHA
    assert ctx.pull_request == 9
    assert (ctx.branch, ctx.base_branch) == ("feature", "main")
    assert ctx.run_attempt == 2
    assert ctx.job_name == "Tests (linux)"
    assert ctx.run_url == "https://dev.azure.com/octo/app/_build/results?buildId=1234"
