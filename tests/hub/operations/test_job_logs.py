"""A failed job's log: fetched once from the provider when a webhook shows the job failed, stored
gzip-compressed and bounded (its tail), and categorised into the job's failure unless its test results
already said more."""

from __future__ import annotations

import gzip
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.failures.models import JobFailure
from hub.operations.models import JobLog
from hub.operations.services.logs import fetch_job_log, retry_failed
from hub.runs.models import Job
from tests.hub.api.factories import make_job, make_run
from tests.hub.operations.conftest import give_token, repo_url
from tests.hub.webhooks.conftest import corpus_json, hello_world, run_tasks, sender  # noqa: F401

pytestmark = pytest.mark.django_db

JOB_FAILED = "github/workflow_job/completed.failure.with-organization.payload.json"
STORAGE = "https://pipelinesghubeus22.actions.githubusercontent.com/logs/job-289782451"
PIP_FAILURE = (
    "2021-08-05T10:35:02.1Z Collecting widgets==2.0\n"
    "2021-08-05T10:35:03.4Z ERROR: Cannot install widgets==2.0 because these package versions have "
    "conflicting dependencies.\n"
    "2021-08-05T10:35:03.4Z ERROR: ResolutionImpossible: for help visit "
    "https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts\n"
    "2021-08-05T10:35:03.9Z ##[error]Process completed with exit code 1.\n"
)


def serve_log(api, project, job_id: str, text: str, status: int = 200) -> None:
    """GitHub answers a job's log with a redirect to its storage host, which serves plain text."""
    api.get(
        repo_url(project, f"/actions/jobs/{job_id}/logs"),
        status=302,
        headers={"Location": f"{STORAGE}?sig=x"},
    )
    api.get(STORAGE, body=text, status=status, content_type="text/plain")


@pytest.fixture
def failed_job(with_token) -> Job:
    run = make_run(with_token, provider_run_id="2202229078", status="in_progress", conclusion="")
    return make_job(run, "linters", provider_job_id="289782451", status="completed", conclusion="failure")


def test_a_webhook_showing_a_failed_job_gets_its_log_fetched_and_categorised(
    sender,  # noqa: F811
    hello_world,  # noqa: F811
    run_tasks,  # noqa: F811
    api,
):
    give_token(hello_world)
    serve_log(api, hello_world, "289782451", PIP_FAILURE)

    sender.github("workflow_job", corpus_json(JOB_FAILED))

    job = Job.objects.get()
    assert job.log.state == "stored"
    assert "ResolutionImpossible" in job.log.text()
    failure = JobFailure.objects.get(job=job)
    assert (failure.source, failure.category, failure.rule) == ("log", "dependency", "python-resolution")
    assert "ResolutionImpossible" in failure.excerpt


def test_the_log_is_stored_gzip_compressed(failed_job, api):
    serve_log(api, failed_job.run.project, "289782451", PIP_FAILURE)

    fetch_job_log(failed_job.pk)

    stored = JobLog.objects.get(job=failed_job)
    assert gzip.decompress(bytes(stored.content)).decode() == PIP_FAILURE
    assert (stored.size, stored.truncated) == (len(PIP_FAILURE.encode()), False)


def test_the_log_is_fetched_once(failed_job, api):
    serve_log(api, failed_job.run.project, "289782451", PIP_FAILURE)
    fetch_job_log(failed_job.pk)
    asked = len(api.calls)

    again = fetch_job_log(failed_job.pk)

    assert again is None
    assert len(api.calls) == asked
    assert JobLog.objects.get().attempts == 1


def test_a_redelivered_failure_does_not_fetch_the_log_again(
    sender,  # noqa: F811
    hello_world,  # noqa: F811
    run_tasks,  # noqa: F811
    api,
):
    give_token(hello_world)
    serve_log(api, hello_world, "289782451", PIP_FAILURE)
    sender.github("workflow_job", corpus_json(JOB_FAILED))
    asked = len(api.calls)

    sender.github("workflow_job", corpus_json(JOB_FAILED))

    assert len(api.calls) == asked


def test_a_long_log_keeps_its_tail_within_the_limit(failed_job, api, settings):
    settings.JOB_LOG_MAX_BYTES = 1000
    noise = "".join(f"2021-08-05T10:34:{i % 60:02d}.0Z step output line {i}\n" for i in range(500))
    serve_log(api, failed_job.run.project, "289782451", noise + PIP_FAILURE)

    fetch_job_log(failed_job.pk)

    stored = JobLog.objects.get(job=failed_job)
    assert stored.size <= 1000
    assert stored.truncated
    assert stored.text().endswith(PIP_FAILURE)
    assert JobFailure.objects.get(job=failed_job).category == "dependency"


def test_a_category_from_the_tests_wins_over_the_log(failed_job, api):
    JobFailure.objects.create(job=failed_job, category="assertion", rule="python-assert", source="tests")
    serve_log(api, failed_job.run.project, "289782451", PIP_FAILURE)

    fetch_job_log(failed_job.pk)

    failure = JobFailure.objects.get(job=failed_job)
    assert (failure.source, failure.category) == ("tests", "assertion")
    assert JobLog.objects.get(job=failed_job).state == "stored"


def test_an_unknown_category_from_the_tests_is_replaced_by_the_logs(failed_job, api):
    JobFailure.objects.create(job=failed_job, category="unknown", source="tests")
    serve_log(api, failed_job.run.project, "289782451", PIP_FAILURE)

    fetch_job_log(failed_job.pk)

    failure = JobFailure.objects.get(job=failed_job)
    assert (failure.source, failure.category) == ("log", "dependency")


def test_a_project_without_a_token_marks_the_log_unavailable_and_asks_nothing(project, api):
    run = make_run(project, provider_run_id="2202229078")
    job = make_job(run, "linters", provider_job_id="289782451", status="completed", conclusion="failure")

    fetch_job_log(job.pk)

    stored = JobLog.objects.get(job=job)
    assert stored.state == "unavailable"
    assert "no provider API token" in stored.error
    assert not api.calls


def test_a_transient_provider_error_is_retried_by_a_later_pass(failed_job, api):
    api.get(repo_url(failed_job.run.project, "/actions/jobs/289782451/logs"), status=500, json={})
    fetch_job_log(failed_job.pk)
    assert JobLog.objects.get(job=failed_job).state == "failed"
    api.reset()
    serve_log(api, failed_job.run.project, "289782451", PIP_FAILURE)

    retried = retry_failed(limit=10)

    assert retried == 1
    stored = JobLog.objects.get(job=failed_job)
    assert (stored.state, stored.attempts) == ("stored", 2)


def test_a_successful_job_has_no_log_fetched(with_token, api):
    job = make_job(
        make_run(with_token), "unit", provider_job_id="1", status="completed", conclusion="success"
    )

    assert fetch_job_log(job.pk) is None
    assert not JobLog.objects.exists()
    assert not api.calls


def test_a_fetch_abandoned_by_a_dead_worker_is_taken_over(failed_job, api, settings):
    JobLog.objects.create(
        job=failed_job,
        state="fetching",
        attempts=1,
        claimed_at=timezone.now() - timedelta(seconds=settings.Q_RETRY + 1),
    )
    serve_log(api, failed_job.run.project, "289782451", PIP_FAILURE)

    retry_failed(limit=10)

    assert JobLog.objects.get(job=failed_job).state == "stored"


def test_a_fetch_in_progress_elsewhere_is_left_to_its_worker(failed_job, api):
    JobLog.objects.create(job=failed_job, state="fetching", attempts=1)

    assert fetch_job_log(failed_job.pk) is None
    assert not api.calls
