"""The GitHub Actions client against GitHub's published example bodies (read in place from the shared
corpus), faked at the HTTP boundary with ``responses``: every operation, its pagination, its redirects and
its errors. Time is a ``FakeTime``: nothing sleeps."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from pathlib import Path

import pytest
import responses
from responses import matchers

from agent.providers import get_provider
from agent.providers.base import AuthenticationError, NotFoundError, ProviderError
from agent.providers.extract import UnsafeArchiveError
from agent.providers.github import GitHubProvider, api_url_for
from tests.agent.providers.conftest import FakeTime, zip_bytes

API = "https://api.github.com"
REPO = f"{API}/repos/octo-org/octo-repo"
STORAGE = "https://pipelines.actions.githubusercontent.com/serviceHosts/abc/_apis/logs"
DISPATCH_DATE = "Wed, 22 Jan 2020 19:40:00 GMT"


@pytest.fixture
def github(fake_time: FakeTime) -> GitHubProvider:
    return GitHubProvider(
        "octo-org/octo-repo", token="ghp_secret", sleep=fake_time.sleep, clock=fake_time.clock
    )


def run_body(example, *, run_id: int, created_at: str, event: str = "workflow_dispatch") -> dict:
    body = copy.deepcopy(example("actions/get-workflow-run"))
    body.update(id=run_id, created_at=created_at, event=event, html_url=f"https://github.com/x/runs/{run_id}")
    return body


def no_jobs(run_id: int | str) -> None:
    responses.get(f"{REPO}/actions/runs/{run_id}/jobs", json={"total_count": 0, "jobs": []})


# -- where and how it talks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "api"),
    [
        (None, "https://api.github.com"),
        ("https://github.com", "https://api.github.com"),
        ("https://api.github.com/", "https://api.github.com"),
        ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3"),
        ("ghe.example.com/api/v3/", "https://ghe.example.com/api/v3"),
        ("http://127.0.0.1:4010", "http://127.0.0.1:4010"),
        ("https://octocorp.ghe.com", "https://api.octocorp.ghe.com"),
    ],
)
def test_it_finds_the_rest_api_for_github_com_and_enterprise_server(given, api):
    assert api_url_for(given) == api


@responses.activate
def test_it_sends_the_token_the_api_version_and_its_own_user_agent(github, github_example):
    responses.get(f"{REPO}/actions/runs", json=github_example("actions/list-workflow-runs-for-repo"))
    github.list_runs()
    headers = responses.calls[0].request.headers
    assert headers["Authorization"] == "Bearer ghp_secret"
    assert headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert headers["Accept"] == "application/vnd.github+json"
    assert headers["User-Agent"].startswith("orchestrate/")


@responses.activate
def test_an_enterprise_server_is_reached_at_its_api_url(fake_time, github_example):
    responses.get(
        "https://ghe.example.com/api/v3/repos/octo-org/octo-repo/actions/runs",
        json=github_example("actions/list-workflow-runs-for-repo"),
    )
    provider = get_provider(
        "github", "octo-org/octo-repo", token="t", api_url="https://ghe.example.com/api/v3"
    )
    assert len(provider.list_runs()) == 1


@responses.activate
def test_an_enterprise_server_address_without_api_v3_is_pointed_out_on_a_404(fake_time):
    responses.get("https://ghe.example.com/repos/octo-org/octo-repo/actions/runs", status=404, body="<html>")
    provider = get_provider("github", "octo-org/octo-repo", token="t", api_url="https://ghe.example.com")
    with pytest.raises(NotFoundError) as caught:
        provider.list_runs()
    assert "https://HOST/api/v3" in caught.value.hint


def test_a_repository_that_is_not_owner_slash_name_is_refused_at_once():
    with pytest.raises(ProviderError, match="OWNER/NAME"):
        GitHubProvider("octo-repo", token=None)


# -- listing and reading runs ----------------------------------------------------------------------------


@responses.activate
def test_list_runs_maps_githubs_runs_to_ours(github, github_example):
    responses.get(f"{REPO}/actions/runs", json=github_example("actions/list-workflow-runs-for-repo"))
    [run] = github.list_runs()
    assert run.id == "30433642"
    assert (run.status, run.conclusion) == ("queued", None)
    assert run.branch == "master"
    assert run.commit_sha == "acb5820ced9479c074f688cc328bf03f341a511d"
    assert run.event == "push"
    assert run.url == "https://github.com/octo-org/octo-repo/actions/runs/30433642"
    assert run.attempt == 1
    assert run.raw["run_number"] == 562


@responses.activate
def test_list_runs_filters_by_workflow_file_branch_and_status(github, github_example):
    responses.get(
        f"{REPO}/actions/workflows/ci.yml/runs",
        json=github_example("actions/list-workflow-runs"),
        match=[matchers.query_param_matcher({"branch": "main", "status": "failure", "per_page": "5"})],
    )
    runs = github.list_runs(workflow=".github/workflows/ci.yml", branch="main", status="failure", limit=5)
    assert [run.id for run in runs] == ["30433642"]


@responses.activate
def test_a_workflow_named_as_in_the_ui_is_looked_up(github, github_example):
    workflows = {"total_count": 2, "workflows": [
        {"id": 161335, "name": "CI", "path": ".github/workflows/ci.yml"},
        {"id": 269289, "name": "Release", "path": ".github/workflows/release.yml"},
    ]}  # fmt: skip
    responses.get(f"{REPO}/actions/workflows", json=workflows)
    responses.get(f"{REPO}/actions/workflows/269289/runs", json=github_example("actions/list-workflow-runs"))
    assert len(github.list_runs(workflow="release")) == 1


@responses.activate
def test_an_unknown_workflow_name_lists_the_ones_there_are(github):
    workflows = {"total_count": 1, "workflows": [{"id": 1, "name": "CI", "path": ".github/workflows/ci.yml"}]}
    responses.get(f"{REPO}/actions/workflows", json=workflows)
    with pytest.raises(NotFoundError) as caught:
        github.list_runs(workflow="Deploy")
    assert "CI (ci.yml)" in caught.value.hint


@responses.activate
def test_list_runs_pages_until_it_has_the_limit(github, github_example):
    page = github_example("actions/list-workflow-runs-for-repo")
    second = copy.deepcopy(page)
    second["workflow_runs"][0]["id"] = 30433643
    link = {"Link": f'<{REPO}/actions/runs?per_page=2&page=2>; rel="next"'}
    responses.get(
        f"{REPO}/actions/runs",
        json=page,
        headers=link,
        match=[matchers.query_param_matcher({"per_page": "2"})],
    )
    responses.get(
        f"{REPO}/actions/runs",
        json=second,
        match=[matchers.query_param_matcher({"per_page": "2", "page": "2"})],
    )
    runs = github.list_runs(limit=2)
    assert [run.id for run in runs] == ["30433642", "30433643"]


@responses.activate
def test_get_run_fills_in_every_page_of_jobs(github, github_example):
    responses.get(f"{REPO}/actions/runs/30433642", json=github_example("actions/get-workflow-run"))
    jobs = github_example("actions/list-jobs-for-workflow-run")
    second = copy.deepcopy(jobs)
    second["jobs"][0].update(id=399444497, name="test", conclusion="failure")
    link = {"Link": f'<{REPO}/actions/runs/30433642/jobs?per_page=100&page=2>; rel="next"'}
    responses.get(f"{REPO}/actions/runs/30433642/jobs", json=jobs, headers=link,
                  match=[matchers.query_param_matcher({"per_page": "100"})])  # fmt: skip
    responses.get(f"{REPO}/actions/runs/30433642/jobs", json=second,
                  match=[matchers.query_param_matcher({"per_page": "100", "page": "2"})])  # fmt: skip
    run = github.get_run("30433642")
    assert [(job.id, job.name, job.status, job.conclusion) for job in run.jobs] == [
        ("399444496", "build", "completed", "success"),
        ("399444497", "test", "completed", "failure"),
    ]
    assert run.jobs[0].started_at is not None
    assert run.jobs[0].url == "https://github.com/octo-org/octo-repo/runs/399444496"


def test_a_run_id_that_is_not_a_number_is_refused_without_a_request(github):
    with responses.RequestsMock(), pytest.raises(ProviderError, match="numbers"):  # a request would fail
        github.get_run("../../admin")


@responses.activate
def test_a_missing_run_says_to_check_the_repository_and_the_id(github):
    responses.get(f"{REPO}/actions/runs/1", status=404, json={"message": "Not Found"})
    with pytest.raises(NotFoundError) as caught:
        github.get_run("1")
    assert "--repo octo-org/octo-repo" in caught.value.hint
    assert "run id" in caught.value.hint


@responses.activate
def test_without_a_token_a_404_mentions_that_private_repositories_need_one(fake_time):
    responses.get(f"{REPO}/actions/runs/1/jobs", status=404, json={"message": "Not Found"})
    provider = GitHubProvider("octo-org/octo-repo", token=None)
    with pytest.raises(NotFoundError) as caught:
        provider.list_jobs("1")
    assert "GITHUB_TOKEN" in caught.value.hint
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_rejected_token_names_the_permissions_it_needs(github):
    responses.get(f"{REPO}/actions/runs", status=401, json={"message": "Bad credentials"})
    with pytest.raises(AuthenticationError) as caught:
        github.list_runs()
    assert "Actions: read and write" in caught.value.hint
    assert "workflow" in caught.value.hint
    assert caught.value.exit_code == 4


@responses.activate
def test_a_rate_limited_listing_waits_and_then_answers(github, github_example, fake_time):
    responses.get(f"{REPO}/actions/runs", status=429, headers={"Retry-After": "30"})
    responses.get(f"{REPO}/actions/runs", json=github_example("actions/list-workflow-runs-for-repo"))
    assert len(github.list_runs()) == 1
    assert fake_time.sleeps == [30.0]


# -- trigger ---------------------------------------------------------------------------------------------


@responses.activate
def test_a_dispatch_that_answers_with_the_run_id_returns_that_run(github, github_example):
    details = {"workflow_run_id": 30433642, "run_url": f"{REPO}/actions/runs/30433642",
               "html_url": "https://github.com/octo-org/octo-repo/actions/runs/30433642"}  # fmt: skip
    responses.post(
        f"{REPO}/actions/workflows/ci.yml/dispatches",
        json=details,
        match=[
            matchers.json_params_matcher(
                {"ref": "main", "inputs": {"level": "3"}, "return_run_details": True}
            )
        ],
    )
    responses.get(f"{REPO}/actions/runs/30433642", json=github_example("actions/get-workflow-run"))
    no_jobs(30433642)
    triggered = github.trigger(workflow="ci.yml", ref="main", inputs={"level": 3})
    assert triggered.run is not None
    assert triggered.run.id == "30433642"
    assert triggered.url == "https://github.com/octo-org/octo-repo/actions/runs/30433642"


@responses.activate
def test_a_dispatch_without_an_id_finds_the_run_created_after_it(github, github_example, fake_time):
    responses.post(f"{REPO}/actions/workflows/ci.yml/dispatches", status=204, headers={"Date": DISPATCH_DATE})
    older = run_body(github_example, run_id=100, created_at="2020-01-22T19:30:00Z")
    ours = run_body(github_example, run_id=101, created_at="2020-01-22T19:40:01Z")
    listing = f"{REPO}/actions/workflows/ci.yml/runs"
    query = matchers.query_param_matcher({"event": "workflow_dispatch", "branch": "main", "per_page": "20"})
    responses.get(listing, json={"total_count": 1, "workflow_runs": [older]}, match=[query])
    responses.get(listing, json={"total_count": 2, "workflow_runs": [ours, older]}, match=[query])
    responses.get(f"{REPO}/actions/runs/101", json=ours)
    no_jobs(101)
    triggered = github.trigger(workflow="ci.yml", ref="main")
    assert triggered.run is not None
    assert triggered.run.id == "101"
    assert fake_time.sleeps == [2.0]


@responses.activate
def test_a_dispatched_run_that_never_appears_is_reported_without_one_after_bounded_polling(github, fake_time):
    responses.post(f"{REPO}/actions/workflows/ci.yml/dispatches", status=204, headers={"Date": DISPATCH_DATE})
    responses.get(f"{REPO}/actions/workflows/ci.yml/runs", json={"total_count": 0, "workflow_runs": []})
    triggered = github.trigger(workflow="ci.yml", ref="main")
    assert triggered.run is None
    assert triggered.url == "https://github.com/octo-org/octo-repo/actions/workflows/ci.yml"
    assert "orchestrate ci list" in triggered.message
    assert len(responses.calls) == 1 + 10
    assert sum(fake_time.sleeps) == 18.0


@responses.activate
def test_a_server_that_does_not_know_return_run_details_is_asked_the_old_way(github, fake_time):
    refused = {"message": 'Invalid request.\n\n"return_run_details" is not a permitted key.'}
    responses.post(f"{REPO}/actions/workflows/ci.yml/dispatches", status=422, json=refused)
    responses.post(
        f"{REPO}/actions/workflows/ci.yml/dispatches",
        status=204,
        headers={"Date": DISPATCH_DATE},
        match=[matchers.json_params_matcher({"ref": "v1.2.0"})],
    )
    responses.get(f"{REPO}/actions/workflows/ci.yml/runs", json={"total_count": 0, "workflow_runs": []})
    github.config["trigger_poll_attempts"] = 1
    assert github.trigger(workflow="ci.yml", ref="v1.2.0").run is None
    assert fake_time.sleeps[0] == 1.0  # the second dispatch waited out the one-second spacing


@responses.activate
def test_dispatching_a_workflow_that_does_not_exist_says_it_needs_workflow_dispatch(github):
    responses.post(f"{REPO}/actions/workflows/nope.yml/dispatches", status=404, json={"message": "Not Found"})
    with pytest.raises(NotFoundError) as caught:
        github.trigger(workflow="nope.yml", ref="main")
    assert "workflow_dispatch" in caught.value.hint


# -- logs ------------------------------------------------------------------------------------------------


@responses.activate
def test_a_jobs_log_is_fetched_from_storage_without_the_token(github):
    responses.get(
        f"{REPO}/actions/jobs/399444496/logs", status=302, headers={"Location": f"{STORAGE}/1?sig=x"}
    )
    responses.get(f"{STORAGE}/1", body="2020-01-20T17:42:40Z Set up job\nError: tests failed\n")
    assert github.job_log("399444496").endswith("Error: tests failed\n")
    assert "Authorization" not in responses.calls[1].request.headers


@responses.activate
def test_a_long_job_log_keeps_its_tail(github):
    responses.get(f"{REPO}/actions/jobs/1/logs", status=302, headers={"Location": f"{STORAGE}/1"})
    responses.get(f"{STORAGE}/1", body="noise\n" * 10_000 + "Error: the real failure\n")
    log = github.job_log("1", max_bytes=1000)
    assert log.endswith("Error: the real failure\n")
    assert len(log.encode()) < 1100


@responses.activate
def test_a_runs_logs_zip_is_extracted_into_the_destination(github, tmp_path: Path):
    archive = zip_bytes({"build/1_Set up job.txt": b"setup\n", "1_build.txt": b"whole job\n"})
    responses.get(
        f"{REPO}/actions/runs/30433642/logs", status=302, headers={"Location": f"{STORAGE}/run.zip"}
    )
    responses.get(f"{STORAGE}/run.zip", body=archive, content_type="application/zip")
    written = github.run_logs("30433642", tmp_path / "logs")
    assert sorted(path.relative_to(tmp_path / "logs").as_posix() for path in written) == [
        "1_build.txt",
        "build/1_Set up job.txt",
    ]
    assert "Authorization" not in responses.calls[1].request.headers


@responses.activate
def test_a_runs_logs_zip_that_escapes_its_directory_is_refused(github, tmp_path: Path):
    archive = zip_bytes({"1_build.txt": b"ok", "../../outside.txt": b"pwned"})
    responses.get(f"{REPO}/actions/runs/1/logs", status=302, headers={"Location": f"{STORAGE}/run.zip"})
    responses.get(f"{STORAGE}/run.zip", body=archive)
    with pytest.raises(UnsafeArchiveError):
        github.run_logs("1", tmp_path / "a" / "logs")
    assert not (tmp_path / "outside.txt").exists()
    assert not (tmp_path / "a" / "logs").exists()


# -- re-run and cancel ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "endpoint"),
    [
        ({}, "/actions/runs/30433642/rerun"),
        ({"failed_only": True}, "/actions/runs/30433642/rerun-failed-jobs"),
        ({"job_id": "399444496"}, "/actions/jobs/399444496/rerun"),
    ],
)
@responses.activate
def test_retry_asks_for_the_whole_run_its_failed_jobs_or_one_job(github, github_example, options, endpoint):
    responses.post(REPO + endpoint, status=201, json={})
    rerun = github_example("actions/get-workflow-run") | {"run_attempt": 2}
    responses.get(f"{REPO}/actions/runs/30433642", json=rerun)
    run = github.retry("30433642", **options)
    assert run is not None
    assert run.attempt == 2
    assert responses.calls[0].request.url == REPO + endpoint


def test_retry_refuses_one_job_and_the_failed_jobs_at_once(github):
    with responses.RequestsMock(), pytest.raises(ProviderError, match="not both"):
        github.retry("1", failed_only=True, job_id="2")


@responses.activate
def test_a_rerun_github_refuses_for_its_age_is_an_error_with_githubs_reason(github):
    message = "Unable to retry this workflow run because it was created over a month ago"
    responses.post(f"{REPO}/actions/runs/1/rerun", status=403, json={"message": message})
    with pytest.raises(ProviderError) as caught:
        github.retry("1")
    assert message in caught.value.message
    assert caught.value.exit_code == 1


@responses.activate
def test_cancel_asks_github_to_cancel_the_run(github):
    responses.post(f"{REPO}/actions/runs/30433642/cancel", status=202, json={})
    github.cancel("30433642")
    assert responses.calls[0].request.method == "POST"


@responses.activate
def test_cancelling_a_finished_run_says_why_it_cannot(github):
    message = "Cannot cancel a workflow run that is completed."
    responses.post(f"{REPO}/actions/runs/1/cancel", status=409, json={"message": message})
    with pytest.raises(ProviderError, match=message):
        github.cancel("1")


@responses.activate
def test_mutating_requests_in_a_row_are_a_second_apart(github, fake_time):
    responses.post(f"{REPO}/actions/runs/1/cancel", status=202, json={})
    responses.post(f"{REPO}/actions/runs/2/cancel", status=202, json={})
    github.cancel("1")
    github.cancel("2")
    assert fake_time.sleeps == [1.0]


# -- artifacts -------------------------------------------------------------------------------------------


@responses.activate
def test_list_artifacts_maps_names_sizes_and_expiry(github, github_example):
    responses.get(
        f"{REPO}/actions/runs/30433642/artifacts", json=github_example("actions/list-workflow-run-artifacts")
    )
    artifacts = github.list_artifacts("30433642")
    assert [(a.id, a.name, a.size, a.expired) for a in artifacts] == [
        ("11", "Rails", 556, False),
        ("13", "", 453, False),
    ]


@responses.activate
def test_every_artifact_is_extracted_into_a_directory_of_its_own(github, github_example, tmp_path: Path):
    responses.get(
        f"{REPO}/actions/runs/30433642/artifacts", json=github_example("actions/list-workflow-run-artifacts")
    )
    for artifact_id, content in [(11, b"<testsuite/>"), (13, b"coverage")]:
        blob = f"https://productionresultssa0.blob.core.windows.net/{artifact_id}.zip"
        responses.get(f"{REPO}/actions/artifacts/{artifact_id}/zip", status=302, headers={"Location": blob})
        responses.get(blob, body=zip_bytes({"report.xml": content}))
    written = github.download_artifacts("30433642", tmp_path)
    assert (tmp_path / "Rails" / "report.xml").read_bytes() == b"<testsuite/>"
    assert (tmp_path / "artifact-13" / "report.xml").read_bytes() == b"coverage"  # it has no name
    assert len(written) == 2
    storage_calls = [call for call in responses.calls if "blob.core.windows.net" in call.request.url]
    assert all("Authorization" not in call.request.headers for call in storage_calls)


@responses.activate
def test_one_artifact_is_downloaded_by_name(github, github_example, tmp_path: Path):
    responses.get(
        f"{REPO}/actions/runs/1/artifacts", json=github_example("actions/list-workflow-run-artifacts")
    )
    responses.get(f"{REPO}/actions/artifacts/11/zip", body=zip_bytes({"a.txt": b"a"}))
    github.download_artifacts("1", tmp_path, name="Rails")
    assert (tmp_path / "Rails" / "a.txt").exists()
    assert not (tmp_path / "artifact-13").exists()


@responses.activate
def test_an_artifact_name_the_run_lacks_lists_the_names_it_has(github, github_example, tmp_path: Path):
    responses.get(
        f"{REPO}/actions/runs/1/artifacts", json=github_example("actions/list-workflow-run-artifacts")
    )
    with pytest.raises(NotFoundError) as caught:
        github.download_artifacts("1", tmp_path, name="coverage")
    assert "Rails" in caught.value.hint


@responses.activate
def test_expired_artifacts_are_skipped_and_asking_for_one_by_name_says_it_expired(
    github, github_example, tmp_path
):
    listing = github_example("actions/list-workflow-run-artifacts")
    for artifact in listing["artifacts"]:
        artifact["expired"] = True
    responses.get(f"{REPO}/actions/runs/1/artifacts", json=listing)
    assert github.download_artifacts("1", tmp_path) == []
    with pytest.raises(ProviderError, match="expired"):
        github.download_artifacts("1", tmp_path, name="Rails")


@responses.activate
def test_an_artifact_zip_with_a_link_leaving_its_directory_is_refused(github, github_example, tmp_path: Path):
    listing = github_example("actions/list-workflow-run-artifacts")
    listing["artifacts"] = listing["artifacts"][:1]
    responses.get(f"{REPO}/actions/runs/1/artifacts", json=listing)
    responses.get(
        f"{REPO}/actions/artifacts/11/zip",
        body=zip_bytes({"a.txt": b"a"}, links={"key": "/root/.ssh/id_rsa"}),
    )
    with pytest.raises(UnsafeArchiveError, match="points outside"):
        github.download_artifacts("1", tmp_path)
    assert not (tmp_path / "Rails" / "key").is_symlink()


# -- whether a lost re-run request began ---------------------------------------------------------------


@responses.activate
@pytest.mark.parametrize(("shown", "began"), [(1, False), (2, True)])
def test_a_re_run_began_when_the_run_shows_a_higher_attempt(github, github_example, shown, began):
    body = github_example("actions/get-workflow-run") | {"run_attempt": shown}
    responses.get(f"{REPO}/actions/runs/30433642", json=body)

    found = github.find_rerun("30433642", attempt=1, since=datetime(2020, 1, 22, tzinfo=UTC))

    assert (found is not None) is began
    assert found is None or found.attempt == 2
