"""GitLab's hooks, from real payloads: pipelines and jobs become runs and jobs, merge requests and
pushes are noted on the runs of their commit."""

from __future__ import annotations

import pytest

from hub.runs.models import Job, Run
from hub.webhooks.models import Delivery, DeliveryStatus
from tests.hub.api.factories import make_run
from tests.hub.webhooks.conftest import corpus_json, project_with_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def gitlab_test(db):
    return project_with_secret("gitlab-org/gitlab-test", "gitlab-self-managed")


def test_a_pipeline_hook_creates_the_run_and_every_job_with_its_state(sender, gitlab_test, run_tasks):
    sender.gitlab("Pipeline Hook", corpus_json("gitlab/gitlab4j/pipeline-event.json"))

    run = Run.objects.get()
    assert (run.provider, run.provider_run_id, run.attempt, run.run_number) == (
        "gitlab-self-managed",
        "31",
        1,
        "1",
    )
    assert (run.status, run.conclusion) == ("completed", "success")
    assert (run.branch, run.base_branch, run.pull_request) == ("test", "master", 1)  # from its merge request
    assert run.url == "http://example.com/gitlab-org/gitlab-test/-/pipelines/31"
    jobs = {job.name: (job.status, job.conclusion) for job in run.jobs.all()}
    assert jobs == {
        "production": ("completed", "skipped"),
        "test-image": ("completed", "success"),
        "test-build": ("completed", "failure"),
        "build-image": ("completed", "success"),
        "staging": ("queued", ""),
    }
    assert run.jobs.get(name="test-build").url == "http://192.168.64.1:3005/gitlab-org/gitlab-test/-/jobs/378"


def test_gitlabs_older_utc_timestamps_are_read(sender, gitlab_test, run_tasks):
    sender.gitlab("Pipeline Hook", corpus_json("gitlab/go-gitlab/pipeline.json"))
    run = Run.objects.get()
    assert run.finished_at.isoformat() == "2016-08-12T15:26:29+00:00"


def test_a_job_hook_moves_one_job_and_leaves_its_pipeline_in_progress(sender, gitlab_test, run_tasks):
    sender.gitlab("Job Hook", corpus_json("gitlab/gitlab4j/build-event.json"))

    job = Job.objects.select_related("run").get()
    assert (job.run.provider_run_id, job.name, job.provider_job_id, job.status) == (
        "2366",
        "build1",
        "214655258",
        "in_progress",
    )
    assert job.run.status == "in_progress"


def test_a_job_hook_without_a_project_object_finds_the_project_from_the_repository_url(sender, db, run_tasks):
    project_with_secret("jsmithy2/release-tools-fake", "gitlab")
    sender.gitlab("Job Hook", corpus_json("gitlab/go-gitlab/job.json"))
    job = Job.objects.get()
    assert (job.name, job.status, job.conclusion) == ("auto_deploy:start", "completed", "success")


def test_a_failed_job_that_may_fail_ends_neutral(sender, db, run_tasks):
    project_with_secret("jsmithy2/release-tools-fake", "gitlab")
    payload = corpus_json("gitlab/go-gitlab/job.json")
    payload.update(build_status="failed", build_allow_failure=True)
    sender.gitlab("Job Hook", payload)
    assert Job.objects.get().conclusion == "neutral"


def test_a_failed_job_that_ran_out_of_time_ends_timed_out(sender, db, run_tasks):
    project_with_secret("jsmithy2/release-tools-fake", "gitlab")
    payload = corpus_json("gitlab/go-gitlab/job.json")
    payload.update(build_status="failed", build_failure_reason="job_execution_timeout")
    sender.gitlab("Job Hook", payload)
    assert Job.objects.get().conclusion == "timed_out"


def test_a_manual_job_stays_queued_because_someone_may_still_start_it(sender, db, run_tasks):
    project_with_secret("jsmithy2/release-tools-fake", "gitlab")
    payload = corpus_json("gitlab/go-gitlab/job.json")
    payload.update(build_status="manual")
    sender.gitlab("Job Hook", payload)
    assert Job.objects.values_list("status", "conclusion").get() == ("queued", "")


def test_a_pipeline_hook_after_a_job_hook_never_moves_the_job_back(sender, gitlab_test, run_tasks):
    done = corpus_json("gitlab/gitlab4j/pipeline-event.json")
    sender.gitlab("Pipeline Hook", done)
    early = corpus_json("gitlab/gitlab4j/pipeline-event.json")
    early["object_attributes"]["status"] = "running"
    for build in early["builds"]:
        build["status"] = "pending"
    sender.gitlab("Pipeline Hook", early)

    run = Run.objects.get()
    assert (run.status, run.conclusion) == ("completed", "success")
    assert run.jobs.get(name="test-build").conclusion == "failure"


def test_a_merge_request_hook_notes_the_merge_request_on_runs_of_its_last_commit(sender, db, run_tasks):
    project = project_with_secret("gitlabhq/gitlab-test", "gitlab")
    run = make_run(project, commit_sha="da1560886d4f094c3e6c9ef40349f7d38b5d27d7", branch="")
    sender.gitlab("Merge Request Hook", corpus_json("gitlab/go-gitlab/merge_request.json"))
    run.refresh_from_db()
    assert (run.pull_request, run.base_branch, run.branch) == (1, "master", "ms-viewport")


def test_a_push_hook_names_the_branch_of_runs_of_its_commit(sender, db, run_tasks):
    project = project_with_secret("mike/diaspora", "gitlab")
    run = make_run(project, commit_sha="da1560886d4f094c3e6c9ef40349f7d38b5d27d7", branch="")
    sender.gitlab("Push Hook", corpus_json("gitlab/go-gitlab/push.json"))
    run.refresh_from_db()
    assert run.branch == "master"


def test_a_tag_push_hook_is_stored_as_ignored(sender, db, run_tasks):
    project_with_secret("jsmith/example", "gitlab")
    sender.gitlab("Tag Push Hook", corpus_json("gitlab/go-gitlab/tag_push.json"))
    assert Delivery.objects.get().status == DeliveryStatus.IGNORED


def test_a_job_hook_in_the_job_field_spelling_is_read_too(sender, gitlab_test, run_tasks):
    payload = corpus_json("gitlab/gitlab4j/job-event.json")
    payload["pipeline_id"] = 2366  # GitLab sends it; this library sample leaves it out
    sender.gitlab("Job Hook", payload)
    job = Job.objects.get()
    assert (job.name, job.provider_job_id, job.status) == ("test", "1977", "queued")
