"""A failed job's log is diagnosed as ``orchestrate diagnose`` would: the lines that explain the failure are
kept as spans, and a passing log of the same job, fetched once, tells which lines explain nothing."""

from __future__ import annotations

import pytest

from hub.failures.models import JobFailure
from hub.operations.models import JobLog
from hub.operations.services.logs import fetch_job_log
from hub.runs.models import Job
from tests.hub.api.factories import make_job, make_run
from tests.hub.operations.conftest import repo_url

pytestmark = pytest.mark.django_db

NOISE = "2026-11-30T10:00:01.0Z ERROR:shop.worker:card declined (expected in test_declined_card)\n"
FAILED = (
    "2026-11-30T10:00:00.0Z ##[group]Run pytest\n"
    "2026-11-30T10:00:00.1Z ##[endgroup]\n"
    + NOISE
    + "2026-11-30T10:00:02.0Z fatal: could not read Username for 'https://github.com'\n"
    "2026-11-30T10:00:03.0Z ##[error]Process completed with exit code 128.\n"
)
PASSED = "2026-11-29T10:00:00.0Z ##[group]Run pytest\n" + NOISE + "2026-11-29T10:00:02.0Z 31 passed\n"


def serve(api, project, job_id: str, text: str, status: int = 200) -> None:
    storage = f"https://results.example.test/logs/job-{job_id}"
    api.get(repo_url(project, f"/actions/jobs/{job_id}/logs"), status=302, headers={"Location": storage})
    api.get(storage, body=text, status=status, content_type="text/plain")


@pytest.fixture
def failed_job(with_token) -> Job:
    run = make_run(with_token, minutes=10, provider_run_id="900", status="in_progress", conclusion="")
    return make_job(run, "tests", provider_job_id="9001", status="completed", conclusion="failure")


@pytest.fixture
def passing_job(with_token) -> Job:
    run = make_run(with_token, minutes=5, provider_run_id="800")
    return make_job(run, "tests", provider_job_id="8001", status="completed", conclusion="success")


def test_the_stored_log_keeps_the_lines_that_explain_the_failure(failed_job, api):
    serve(api, failed_job.run.project, "9001", FAILED)

    fetch_job_log(failed_job.pk)

    stored = JobLog.objects.get(job=failed_job)
    assert any(first <= 4 <= last for first, last in stored.spans)
    assert "4: fatal: could not read Username" in JobFailure.objects.get(job=failed_job).excerpt


def test_a_line_the_last_passing_run_of_the_job_printed_too_is_not_kept(failed_job, passing_job, api):
    serve(api, failed_job.run.project, "9001", FAILED)
    serve(api, failed_job.run.project, "8001", PASSED)

    fetch_job_log(failed_job.pk)

    stored = JobLog.objects.get(job=failed_job)
    assert stored.spans == [[4, 4]]
    assert stored.baseline.job == passing_job


def test_the_passing_log_is_fetched_once_and_kept_for_later_failures(
    with_token, failed_job, passing_job, api
):
    serve(api, failed_job.run.project, "9001", FAILED)
    serve(api, failed_job.run.project, "8001", PASSED)
    fetch_job_log(failed_job.pk)
    later = make_job(
        make_run(with_token, minutes=20, provider_run_id="901"),
        "tests",
        provider_job_id="9011",
        status="completed",
        conclusion="failure",
    )
    serve(api, failed_job.run.project, "9011", FAILED)

    fetch_job_log(later.pk)

    assert sum("job-8001" in call.request.url for call in api.calls) == 1
    assert JobLog.objects.get(job=later).baseline == JobLog.objects.get(job=passing_job)


def test_a_passing_log_that_cannot_be_had_leaves_the_diagnosis_without_a_baseline(
    failed_job, passing_job, api
):
    serve(api, failed_job.run.project, "9001", FAILED)
    serve(api, failed_job.run.project, "8001", "gone", status=410)

    fetch_job_log(failed_job.pk)

    stored = JobLog.objects.get(job=failed_job)
    assert (stored.state, stored.baseline) == ("stored", None)
    assert any(first <= 4 <= last for first, last in stored.spans)


def test_a_job_that_never_passed_is_diagnosed_without_asking_for_another_log(failed_job, api):
    serve(api, failed_job.run.project, "9001", FAILED)

    fetch_job_log(failed_job.pk)

    assert JobLog.objects.get(job=failed_job).baseline is None
    assert all("job-9001" in call.request.url or "/jobs/9001/" in call.request.url for call in api.calls)
