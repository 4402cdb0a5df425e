"""The log viewer's page: a stored log a page at a time with its error marked, search, and a log fetched
from the CI on request for any finished job (GitHub faked at the HTTP boundary)."""

from __future__ import annotations

import pytest

from hub.failures.models import JobFailure
from hub.operations.models import JobLog, LogState
from hub.runs.models import Job
from tests.hub.api.factories import make_job, make_run
from tests.hub.operations.conftest import api, repo_url, with_token  # noqa: F401
from tests.hub.operations.test_job_logs import PIP_FAILURE, serve_log

pytestmark = pytest.mark.django_db

ESC = "\x1b"


def store(job: Job, text: str, spans: list | None = None) -> JobLog:
    content = text.encode()
    return JobLog.objects.create(
        job=job, state=LogState.STORED, content=JobLog.compress(content), size=len(content), spans=spans or []
    )


@pytest.fixture
def job(project) -> Job:
    run = make_run(project, provider_run_id="2202229078", conclusion="failure")
    return make_job(run, "linters", provider_job_id="289782451", status="completed", conclusion="failure")


def read(client, user, path: str) -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_a_stored_log_is_shown_with_numbered_linkable_lines_and_colours(client, owner, job):
    store(job, f"{ESC}[32mok{ESC}[0m\n<b>not markup</b>\n")

    page = read(client, owner, f"/jobs/{job.pk}/log/")

    assert '<div id="L1" class="log-line"><a class="ln" href="#L1">1</a>' in page
    assert '<span class="ansi-fg-2">ok</span>' in page
    assert "&lt;b&gt;not markup&lt;/b&gt;" in page


def test_a_large_log_is_paged_never_whole(client, owner, job):
    store(job, "".join(f"line {n}\n" for n in range(1, 1201)))

    page = read(client, owner, f"/jobs/{job.pk}/log/?page=3")

    assert 'id="L1001"' in page
    assert 'id="L1200"' in page
    assert 'id="L1000"' not in page
    assert "page 3 of 3" in page


def test_jump_to_the_error_links_the_page_and_line_of_the_diagnosis(client, owner, job):
    store(job, "".join(f"step {n}\n" for n in range(1, 900)), spans=[[612, 614]])

    page = read(client, owner, f"/jobs/{job.pk}/log/")

    assert 'href="?page=2#L612">Jump to the error (line 612)' in page


def test_the_error_lines_are_marked_on_their_page(client, owner, job):
    store(job, PIP_FAILURE, spans=[[2, 3]])

    page = read(client, owner, f"/jobs/{job.pk}/log/")

    assert page.count("log-line log-error") == 2


def test_search_lists_matching_lines_linked_to_their_page(client, owner, job):
    store(job, PIP_FAILURE)

    page = read(client, owner, f"/jobs/{job.pk}/log/?q=resolutionimpossible")

    assert "1 line with “resolutionimpossible”" in page
    assert '<a href="?page=1#L3">line 3</a>' in page
    assert "<mark>ResolutionImpossible</mark>" in page


def test_another_teams_job_log_answers_404(client, outsider, job):
    client.force_login(outsider)

    assert client.get(f"/jobs/{job.pk}/log/").status_code == 404
    assert client.post(f"/jobs/{job.pk}/log/fetch/").status_code == 404


def test_a_log_not_stored_offers_to_fetch_it(client, owner, job):
    page = read(client, owner, f"/jobs/{job.pk}/log/")

    assert "The hub has not stored this job's log." in page
    assert f'action="/jobs/{job.pk}/log/fetch/"' in page


def test_fetching_a_passing_jobs_log_stores_it_without_a_diagnosis(client, owner, api, with_token):  # noqa: F811
    run = make_run(with_token, provider_run_id="2202229078")
    passing = make_job(run, "build", provider_job_id="289782451", status="completed", conclusion="success")
    serve_log(api, with_token, "289782451", "2021-08-05T10:35:02.1Z all good\n")
    client.force_login(owner)

    response = client.post(f"/jobs/{passing.pk}/log/fetch/", follow=True)

    stored = JobLog.objects.get(job=passing)
    assert (stored.state, stored.spans, stored.text()) == ("stored", [], "2021-08-05T10:35:02.1Z all good\n")
    assert "Log fetched from the CI" in response.content.decode()
    assert "all good" in response.content.decode()
    assert not JobFailure.objects.filter(job=passing).exists()


def test_fetching_a_failed_jobs_log_diagnoses_it(client, owner, api, with_token):  # noqa: F811
    run = make_run(with_token, provider_run_id="2202229078", conclusion="failure")
    failed = make_job(run, "lint", provider_job_id="289782451", status="completed", conclusion="failure")
    serve_log(api, with_token, "289782451", PIP_FAILURE)
    client.force_login(owner)

    client.post(f"/jobs/{failed.pk}/log/fetch/")

    assert JobLog.objects.get(job=failed).spans


def test_a_provider_refusal_says_why_after_the_fetch(client, owner, api, with_token):  # noqa: F811
    run = make_run(with_token, provider_run_id="2202229078")
    passing = make_job(run, "build", provider_job_id="289782451", status="completed", conclusion="success")
    api.get(repo_url(with_token, "/actions/jobs/289782451/logs"), status=404, json={"message": "Not Found"})
    client.force_login(owner)

    page = client.post(f"/jobs/{passing.pk}/log/fetch/", follow=True).content.decode()

    assert "The CI did not give the log:" in page
    assert JobLog.objects.get(job=passing).state == "unavailable"


def test_a_job_still_running_has_no_log_to_fetch(client, owner, project):
    run = make_run(project, status="in_progress", conclusion="")
    running = make_job(run, "build", provider_job_id="1", status="in_progress")
    client.force_login(owner)

    page = client.post(f"/jobs/{running.pk}/log/fetch/", follow=True).content.decode()

    assert "has not finished yet" in page
    assert not JobLog.objects.filter(job=running).exists()


def test_the_fetch_is_a_post_only(client, owner, job):
    client.force_login(owner)

    assert client.get(f"/jobs/{job.pk}/log/fetch/").status_code == 405
