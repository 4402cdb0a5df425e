"""The GitLab CI client against GitLab's own answer shapes (gitlab4j's test bodies, read in place from the
shared corpus), faked at the HTTP boundary with ``responses``: every operation, pagination, the status
mapping, job tokens, errors and safe extraction. Time is a ``FakeTime``: nothing sleeps."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from agent.cli import ExitStatus, main
from agent.providers import get_provider
from agent.providers.base import AuthenticationError, NotFoundError, ProviderError
from agent.providers.extract import UnsafeArchiveError
from agent.providers.gitlab import STATUSES, GitLabProvider, api_url_for, project_id
from tests.agent.providers.conftest import FakeTime, zip_bytes

GITLAB_API = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api" / "gitlab"
API = "https://gitlab.com/api/v4"
PROJECT = f"{API}/projects/group%2Fsub%2Fapp"
STORAGE = "https://storage.googleapis.com/gitlab-artifacts/abc"


@pytest.fixture
def gitlab_example() -> Callable[[str], Any]:
    """A body from the corpus by file: ``gitlab_example("gitlab4j/pipeline.json")`` (a fresh copy)."""
    if not GITLAB_API.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {GITLAB_API.resolve()})")

    def load(name: str) -> Any:
        return json.loads((GITLAB_API / name).read_text("utf-8"))

    return load


@pytest.fixture
def gitlab(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider("group/sub/app", token="glpat-secret", sleep=fake_time.sleep, clock=fake_time.clock)


def pipeline(example, **changes: Any) -> dict:
    return example("gitlab4j/pipeline.json") | changes


def job(example, **changes: Any) -> dict:
    return example("gitlab4j/job.json") | changes


def jobs_of(run_id: int, jobs: list[dict], bridges: list[dict] | None = None) -> None:
    responses.get(f"{PROJECT}/pipelines/{run_id}/jobs", json=jobs)
    responses.get(f"{PROJECT}/pipelines/{run_id}/bridges", json=bridges or [])


# -- where and how it talks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "api"),
    [
        (None, "https://gitlab.com/api/v4"),
        ("https://gitlab.example.com", "https://gitlab.example.com/api/v4"),
        ("gitlab.example.com/", "https://gitlab.example.com/api/v4"),
        ("https://gitlab.example.com/api/v4/", "https://gitlab.example.com/api/v4"),
        ("https://example.com/gitlab/api/v4", "https://example.com/gitlab/api/v4"),
    ],
)
def test_it_finds_the_api_for_gitlab_com_and_self_managed_instances(given, api):
    assert api_url_for(given) == api


def test_a_project_is_addressed_by_its_url_encoded_path_or_its_numeric_id():
    assert project_id("group/sub/app") == "group%2Fsub%2Fapp"
    assert project_id("278964") == "278964"


@responses.activate
def test_a_personal_token_goes_in_the_private_token_header(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines", json=[gitlab_example("gitlab4j/pipeline.json")])
    gitlab.list_runs()
    headers = responses.calls[0].request.headers
    assert headers["PRIVATE-TOKEN"] == "glpat-secret"
    assert "Authorization" not in headers
    assert headers["User-Agent"].startswith("orchestrate/")


@responses.activate
def test_a_self_managed_instance_is_reached_at_ci_api_v4_url(fake_time, gitlab_example):
    responses.get(
        "https://gitlab.example.com/api/v4/projects/group%2Fapp/pipelines/46",
        json=gitlab_example("gitlab4j/pipeline.json"),
    )
    responses.get("https://gitlab.example.com/api/v4/projects/group%2Fapp/pipelines/46/jobs", json=[])
    responses.get("https://gitlab.example.com/api/v4/projects/group%2Fapp/pipelines/46/bridges", json=[])
    provider = get_provider("gitlab", "group/app", token="t", api_url="https://gitlab.example.com/api/v4")
    assert provider.get_run("46").id == "46"


# -- statuses --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gitlab_status", "ours"),
    [
        ("created", ("queued", None)),
        ("waiting_for_resource", ("queued", None)),
        ("preparing", ("queued", None)),
        ("pending", ("queued", None)),
        ("scheduled", ("queued", None)),
        ("running", ("in_progress", None)),
        ("waiting_for_callback", ("in_progress", None)),
        ("success", ("completed", "success")),
        ("failed", ("completed", "failure")),
        ("canceled", ("completed", "cancelled")),
        ("skipped", ("completed", "skipped")),
        ("manual", ("completed", "neutral")),
        ("something_new", ("in_progress", None)),
    ],
)
@responses.activate
def test_gitlab_statuses_map_to_ours(gitlab, gitlab_example, gitlab_status, ours):
    responses.get(f"{PROJECT}/pipelines", json=[pipeline(gitlab_example, status=gitlab_status)])
    [run] = gitlab.list_runs()
    assert (run.status, run.conclusion) == ours


def test_every_status_gitlab_documents_is_mapped():
    documented = {"created", "waiting_for_resource", "preparing", "pending", "running", "success", "failed",
                  "canceled", "skipped", "manual", "scheduled", "waiting_for_callback",
                  "canceling"}  # fmt: skip
    assert documented <= set(STATUSES)


# -- listing and reading runs ----------------------------------------------------------------------------


@responses.activate
def test_list_runs_maps_gitlabs_pipelines_to_ours(gitlab, gitlab_example):
    responses.get(
        f"{PROJECT}/pipelines", json=[gitlab_example("gitlab4j/pipeline.json") | {"source": "push"}]
    )
    [run] = gitlab.list_runs()
    assert run.id == "46"
    assert (run.status, run.conclusion) == ("completed", "success")
    assert run.branch == "main"
    assert run.commit_sha == "a91957a858320c0e17f3a0eca7cfacbff50ea29a"
    assert run.url == "https://example.com/foo/bar/pipelines/46"
    assert run.workflow == "Custom pipeline name"
    assert run.event == "push"
    assert run.attempt == 1
    assert run.raw["iid"] == 11


@responses.activate
def test_list_runs_filters_by_branch_and_by_pipeline_name_for_workflow(gitlab, gitlab_example):
    responses.get(
        f"{PROJECT}/pipelines",
        json=[gitlab_example("gitlab4j/pipeline.json")],
        match=[matchers.query_param_matcher(
            {"ref": "main", "name": "Nightly", "order_by": "id", "sort": "desc", "page": "1", "per_page": "5"}
        )],
    )  # fmt: skip
    assert len(gitlab.list_runs(branch="main", workflow="Nightly", limit=5)) == 1


@responses.activate
def test_list_runs_follows_x_next_page_until_it_has_the_limit(gitlab, gitlab_example):
    page = {"order_by": "id", "sort": "desc", "per_page": "100"}
    for number in (1, 2):
        listing = [pipeline(gitlab_example, id=n) for n in range(number * 1000, number * 1000 - 100, -1)]
        responses.get(f"{PROJECT}/pipelines", json=listing, headers={"X-Next-Page": str(number + 1)},
                      match=[matchers.query_param_matcher(page | {"page": str(number)})])  # fmt: skip
    runs = gitlab.list_runs(limit=150)
    assert len(runs) == 150
    assert runs[100].id == "2000"
    assert len(responses.calls) == 2


@responses.activate
def test_every_page_of_jobs_is_read(gitlab, gitlab_example):
    first = [job(gitlab_example, id=n) for n in range(1, 101)]
    responses.get(f"{PROJECT}/pipelines/46/jobs", json=first, headers={"X-Next-Page": "2"},
                  match=[matchers.query_param_matcher({"page": "1", "per_page": "100"})])  # fmt: skip
    last = [job(gitlab_example, id=101)]
    responses.get(f"{PROJECT}/pipelines/46/jobs", json=last, headers={"X-Next-Page": ""},
                  match=[matchers.query_param_matcher({"page": "2", "per_page": "100"})])  # fmt: skip
    responses.get(f"{PROJECT}/pipelines/46/bridges", json=[])
    assert len(gitlab.list_jobs("46")) == 101


@responses.activate
def test_an_empty_x_next_page_is_the_last_page(gitlab, gitlab_example):
    full = [pipeline(gitlab_example, id=n) for n in range(100, 0, -1)]
    responses.get(f"{PROJECT}/pipelines", json=full, headers={"X-Next-Page": ""})
    assert len(gitlab.list_runs(status="completed", limit=500)) == 100
    assert len(responses.calls) == 1


@responses.activate
def test_a_status_filter_keeps_the_pipelines_in_that_state_of_ours(gitlab, gitlab_example):
    listing = [
        pipeline(gitlab_example, id=3, status="running"),
        pipeline(gitlab_example, id=2, status="pending"),
        pipeline(gitlab_example, id=1, status="created"),
    ]
    responses.get(f"{PROJECT}/pipelines", json=listing)
    assert [run.id for run in gitlab.list_runs(status="queued")] == ["2", "1"]


@responses.activate
def test_get_run_fills_in_its_jobs_and_bridges_oldest_first(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=gitlab_example("gitlab4j/pipeline.json"))
    build = job(gitlab_example, id=6, name="build", status="success", failure_reason=None)
    jobs_of(
        46, [gitlab_example("gitlab4j/job.json"), build], [gitlab_example("gitlab4j/bridge.json") | {"id": 8}]
    )
    run = gitlab.get_run("46")
    assert [(j.id, j.name, j.status, j.conclusion) for j in run.jobs] == [
        ("6", "build", "completed", "success"),
        ("7", "teaspoon", "completed", "failure"),
        ("8", "teaspoon", "queued", None),
    ]
    assert run.jobs[1].url == "https://example.com/foo/bar/-/jobs/7"
    assert run.jobs[1].started_at is not None
    assert run.jobs[1].completed_at is not None


@responses.activate
def test_a_job_that_ran_out_of_time_timed_out(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=gitlab_example("gitlab4j/pipeline.json"))
    jobs_of(46, [job(gitlab_example, failure_reason="job_execution_timeout")])
    assert gitlab.get_run("46").jobs[0].conclusion == "timed_out"


@responses.activate
def test_a_failed_job_that_was_allowed_to_fail_ends_neutral(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=gitlab_example("gitlab4j/pipeline.json"))
    jobs_of(46, [job(gitlab_example, allow_failure=True)])
    assert gitlab.get_run("46").jobs[0].conclusion == "neutral"


def test_a_pipeline_id_that_is_not_a_number_is_refused_without_a_request(gitlab):
    with responses.RequestsMock(), pytest.raises(ProviderError, match="numbers"):
        gitlab.get_run("../../users")


@responses.activate
def test_a_missing_pipeline_says_to_check_the_project_path_and_the_id(gitlab):
    responses.get(f"{PROJECT}/pipelines/1", status=404, json={"message": "404 Project Not Found"})
    with pytest.raises(NotFoundError) as caught:
        gitlab.get_run("1")
    assert "--repo group/sub/app" in caught.value.hint
    assert "pipeline id" in caught.value.hint


@responses.activate
def test_a_rejected_token_names_the_api_scope(gitlab):
    responses.get(f"{PROJECT}/pipelines", status=401, json={"message": "401 Unauthorized"})
    with pytest.raises(AuthenticationError) as caught:
        gitlab.list_runs()
    assert "api scope" in caught.value.hint
    assert "read_api" in caught.value.hint
    assert caught.value.exit_code == 4


@responses.activate
def test_a_rate_limited_request_waits_for_the_reset_then_answers(gitlab, gitlab_example, fake_time):
    reset = {
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": "1700000042",
        "Date": "Tue, 14 Nov 2023 22:13:20 GMT",
    }  # fmt: skip  (the Date is epoch 1700000000)
    responses.get(f"{PROJECT}/pipelines", status=429, headers=reset, json={"message": "Retry later"})
    responses.get(f"{PROJECT}/pipelines", json=[gitlab_example("gitlab4j/pipeline.json")])
    assert len(gitlab.list_runs()) == 1
    assert fake_time.sleeps == [43.0]


# -- job tokens ------------------------------------------------------------------------------------------


@pytest.fixture
def with_job_token(fake_time: FakeTime) -> GitLabProvider:
    return GitLabProvider(
        "group/sub/app", token="job-secret", config={"token_type": "job"}, sleep=fake_time.sleep,
        clock=fake_time.clock,
    )  # fmt: skip


@responses.activate
def test_a_job_token_goes_in_the_job_token_header(with_job_token):
    responses.get(f"{PROJECT}/jobs/7/trace", body="log")
    with_job_token.job_log("7")
    assert responses.calls[0].request.headers["JOB-TOKEN"] == "job-secret"
    assert "PRIVATE-TOKEN" not in responses.calls[0].request.headers


@responses.activate
def test_a_job_token_triggers_through_the_trigger_endpoint(with_job_token, gitlab_example):
    responses.post(
        f"{PROJECT}/trigger/pipeline",
        json=gitlab_example("gitlab4j/pipeline.json") | {"status": "created"},
        match=[matchers.urlencoded_params_matcher(
            {"token": "job-secret", "ref": "main", "variables[DEPLOY]": "staging"}
        )],
    )  # fmt: skip
    triggered = with_job_token.trigger(workflow="", ref="main", inputs={"DEPLOY": "staging"})
    assert triggered.run is not None
    assert triggered.run.status == "queued"


@responses.activate
def test_what_a_job_token_may_not_do_says_to_use_an_access_token(with_job_token):
    responses.post(f"{PROJECT}/pipelines/46/cancel", status=403, json={"message": "403 Forbidden"})
    with pytest.raises(AuthenticationError) as caught:
        with_job_token.cancel("46")
    assert "CI_JOB_TOKEN" in caught.value.hint
    assert "GITLAB_TOKEN" in caught.value.hint


# -- trigger ---------------------------------------------------------------------------------------------


@responses.activate
def test_trigger_creates_a_pipeline_on_the_ref_with_the_inputs_as_variables(gitlab, gitlab_example):
    created = gitlab_example("gitlab4j/pipeline.json") | {"id": 61, "status": "created"}
    responses.post(
        f"{PROJECT}/pipeline",
        json=created,
        status=201,
        match=[
            matchers.json_params_matcher({"ref": "v1.2.0", "variables": [{"key": "LEVEL", "value": "3"}]})
        ],
    )
    triggered = gitlab.trigger(workflow="deploy", ref="refs/tags/v1.2.0", inputs={"LEVEL": "3"})
    assert triggered.run is not None
    assert triggered.run.id == "61"
    assert triggered.url == "https://example.com/foo/bar/pipelines/46"
    assert "GitLab has no workflows" in triggered.message


@responses.activate
def test_a_workflow_variable_carries_the_workflow_name_to_the_pipeline(fake_time, gitlab_example):
    provider = GitLabProvider("group/sub/app", token="t", config={"workflow_variable": "PIPELINE"})
    responses.post(
        f"{PROJECT}/pipeline",
        json=gitlab_example("gitlab4j/pipeline.json"),
        match=[
            matchers.json_params_matcher(
                {"ref": "main", "variables": [{"key": "PIPELINE", "value": "nightly"}]}
            )
        ],
    )
    assert "nightly passed as PIPELINE" in provider.trigger(workflow="nightly", ref="main").message


@responses.activate
def test_triggering_on_a_ref_that_does_not_exist_carries_gitlabs_reason(gitlab):
    responses.post(f"{PROJECT}/pipeline", status=400, json={"message": {"base": ["Reference not found"]}})
    with pytest.raises(ProviderError, match="Reference not found"):
        gitlab.trigger(workflow="", ref="nope")


# -- logs ------------------------------------------------------------------------------------------------


@responses.activate
def test_a_jobs_log_is_its_trace(gitlab):
    responses.get(f"{PROJECT}/jobs/7/trace", body="$ bundle exec rspec\nFailures:\n  1) it works\n")
    assert gitlab.job_log("7").endswith("1) it works\n")


@responses.activate
def test_a_bridges_log_points_at_its_downstream_pipeline_without_asking_gitlab(gitlab, gitlab_example):
    jobs_of(46, [], [gitlab_example("gitlab4j/bridge.json") | {"id": 8}])
    [bridge] = gitlab.list_jobs("46")
    assert "https://example.com/diaspora/diaspora-client/pipelines/5" in gitlab.job_log(bridge.id)
    assert len(responses.calls) == 2  # the jobs and the bridges, no trace


@responses.activate
def test_a_long_trace_keeps_its_tail(gitlab):
    responses.get(f"{PROJECT}/jobs/7/trace", body="noise\n" * 10_000 + "ERROR: Job failed: exit code 1\n")
    log = gitlab.job_log("7", max_bytes=1000)
    assert log.endswith("ERROR: Job failed: exit code 1\n")
    assert len(log.encode()) < 1100


@responses.activate
def test_run_logs_writes_every_started_jobs_trace_and_skips_bridges_and_jobs_that_never_ran(
    gitlab, gitlab_example, tmp_path: Path
):
    never_ran = job(gitlab_example, id=9, name="deploy", status="manual", started_at=None)
    jobs_of(46, [job(gitlab_example, name="rspec: [3.2, linux]"), never_ran],
            [gitlab_example("gitlab4j/bridge.json") | {"id": 8}])  # fmt: skip
    responses.get(f"{PROJECT}/jobs/7/trace", body="the rspec log\n")
    written = gitlab.run_logs("46", tmp_path / "logs")
    assert [path.name for path in written] == ["7-rspec_3.2_linux.log"]
    assert written[0].read_text() == "the rspec log\n"


# -- re-run and cancel ------------------------------------------------------------------------------------


@responses.activate
def test_retrying_the_failed_jobs_retries_the_pipeline(gitlab, gitlab_example):
    responses.post(
        f"{PROJECT}/pipelines/46/retry", status=201, json=pipeline(gitlab_example, status="pending")
    )
    run = gitlab.retry("46", failed_only=True)
    assert run is not None
    assert (run.id, run.status) == ("46", "queued")


@responses.activate
def test_retrying_one_job_retries_that_job_and_answers_the_pipeline(gitlab, gitlab_example):
    responses.post(f"{PROJECT}/jobs/7/retry", status=201, json=job(gitlab_example, id=70, status="pending"))
    responses.get(f"{PROJECT}/pipelines/46", json=pipeline(gitlab_example, status="running"))
    run = gitlab.retry("46", job_id="7")
    assert run is not None
    assert run.status == "in_progress"
    assert responses.calls[0].request.url == f"{PROJECT}/jobs/7/retry"


@responses.activate
def test_retrying_a_whole_pipeline_starts_a_new_one_on_its_ref_with_its_variables(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=gitlab_example("gitlab4j/pipeline.json"))
    responses.get(
        f"{PROJECT}/pipelines/46/variables", json=gitlab_example("gitlab4j/pipeline-variables.json")
    )
    variables = [{"key": "RUN_NIGHTLY_BUILD", "value": "true"}, {"key": "foo", "value": "bar"}]
    responses.post(
        f"{PROJECT}/pipeline",
        status=201,
        json=pipeline(gitlab_example, id=47, status="created"),
        match=[matchers.json_params_matcher({"ref": "main", "variables": variables})],
    )
    run = gitlab.retry("46")
    assert run is not None
    assert run.id == "47"


def test_retry_refuses_one_job_and_the_failed_jobs_at_once(gitlab):
    with responses.RequestsMock(), pytest.raises(ProviderError, match="not both"):
        gitlab.retry("46", failed_only=True, job_id="7")


@responses.activate
def test_cancel_asks_gitlab_to_cancel_the_pipeline(gitlab, gitlab_example):
    responses.post(f"{PROJECT}/pipelines/46/cancel", json=pipeline(gitlab_example, status="canceled"))
    gitlab.cancel("46")
    assert responses.calls[0].request.method == "POST"


# -- artifacts -------------------------------------------------------------------------------------------


def with_artifacts(example, job_id: int, name: str, *, expires: str = "2999-01-01T00:00:00Z") -> dict:
    return job(example, id=job_id, name=name, artifacts_expire_at=expires)


@responses.activate
def test_list_artifacts_is_one_archive_per_job_that_kept_one(gitlab, gitlab_example):
    bare = job(gitlab_example, id=9, name="lint")
    del bare["artifacts_file"]
    bare["artifacts"] = [{"file_type": "trace", "size": 1500, "filename": "job.log", "file_format": "raw"}]
    jobs_of(46, [with_artifacts(gitlab_example, 7, "rspec"), bare])
    assert [(a.id, a.name, a.size, a.expired) for a in gitlab.list_artifacts("46")] == [
        ("7", "rspec", 1000, False)
    ]


@responses.activate
def test_artifacts_past_their_expiry_are_flagged_expired(gitlab, gitlab_example):
    jobs_of(46, [gitlab_example("gitlab4j/job.json")])  # it expired in 2016
    [artifact] = gitlab.list_artifacts("46")
    assert artifact.expired


@responses.activate
def test_every_jobs_artifacts_are_extracted_into_a_directory_named_after_it(gitlab, gitlab_example, tmp_path):
    jobs_of(46, [with_artifacts(gitlab_example, 7, "rspec"), with_artifacts(gitlab_example, 9, "coverage")])
    responses.get(f"{PROJECT}/jobs/7/artifacts", status=302, headers={"Location": f"{STORAGE}/7.zip?sig=x"})
    responses.get(f"{STORAGE}/7.zip", body=zip_bytes({"junit.xml": b"<testsuite/>"}))
    responses.get(f"{PROJECT}/jobs/9/artifacts", body=zip_bytes({"index.html": b"<html/>"}))
    written = gitlab.download_artifacts("46", tmp_path)
    assert (tmp_path / "rspec" / "junit.xml").read_bytes() == b"<testsuite/>"
    assert (tmp_path / "coverage" / "index.html").read_bytes() == b"<html/>"
    assert len(written) == 2
    storage = [call for call in responses.calls if call.request.url.startswith(STORAGE)]
    assert storage
    assert all("PRIVATE-TOKEN" not in call.request.headers for call in storage)


@responses.activate
def test_two_jobs_with_one_name_get_a_directory_each(gitlab, gitlab_example, tmp_path):
    jobs_of(46, [with_artifacts(gitlab_example, 7, "test"), with_artifacts(gitlab_example, 9, "test")])
    for job_id in (7, 9):
        responses.get(f"{PROJECT}/jobs/{job_id}/artifacts", body=zip_bytes({"r.xml": str(job_id).encode()}))
    gitlab.download_artifacts("46", tmp_path)
    assert (tmp_path / "test-7" / "r.xml").read_text() == "7"
    assert (tmp_path / "test-9" / "r.xml").read_text() == "9"


@responses.activate
def test_one_jobs_artifacts_are_downloaded_by_its_name(gitlab, gitlab_example, tmp_path):
    jobs_of(46, [with_artifacts(gitlab_example, 7, "rspec"), with_artifacts(gitlab_example, 9, "coverage")])
    responses.get(f"{PROJECT}/jobs/9/artifacts", body=zip_bytes({"index.html": b"<html/>"}))
    gitlab.download_artifacts("46", tmp_path, name="coverage")
    assert (tmp_path / "coverage" / "index.html").exists()
    assert not (tmp_path / "rspec").exists()


@responses.activate
def test_a_name_no_job_has_lists_the_jobs_with_artifacts(gitlab, gitlab_example, tmp_path):
    jobs_of(46, [with_artifacts(gitlab_example, 7, "rspec")])
    with pytest.raises(NotFoundError) as caught:
        gitlab.download_artifacts("46", tmp_path, name="coverage")
    assert "rspec" in caught.value.hint


@responses.activate
def test_asking_for_expired_artifacts_by_name_says_they_expired(gitlab, gitlab_example, tmp_path):
    jobs_of(46, [gitlab_example("gitlab4j/job.json")])
    assert gitlab.download_artifacts("46", tmp_path) == []
    with pytest.raises(ProviderError, match="expired"):
        gitlab.download_artifacts("46", tmp_path, name="teaspoon")


@responses.activate
def test_an_artifacts_zip_that_escapes_its_directory_is_refused(gitlab, gitlab_example, tmp_path):
    jobs_of(46, [with_artifacts(gitlab_example, 7, "rspec")])
    responses.get(f"{PROJECT}/jobs/7/artifacts", body=zip_bytes({"ok.txt": b"ok", "../../evil.txt": b"x"}))
    with pytest.raises(UnsafeArchiveError):
        gitlab.download_artifacts("46", tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "out" / "rspec").exists()


# -- through `orchestrate ci` inside a GitLab job --------------------------------------------------------

GITLAB_JOB = {
    "GITLAB_CI": "true",
    "CI_PROJECT_PATH": "group/sub/app",
    "CI_PIPELINE_ID": "46",
    "CI_COMMIT_REF_NAME": "main",
    "CI_API_V4_URL": "https://gitlab.example.com/api/v4",
    "CI_SERVER_URL": "https://gitlab.example.com",
    "CI_JOB_TOKEN": "job-secret",
}


@responses.activate
def test_inside_a_gitlab_job_the_job_token_triggers_on_the_instance(tmp_path, monkeypatch, gitlab_example):
    monkeypatch.chdir(tmp_path)
    responses.post(
        "https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fapp/trigger/pipeline",
        json=pipeline(gitlab_example, id=61, status="created"),
        match=[matchers.urlencoded_params_matcher({"token": "job-secret", "ref": "main"})],
    )
    time = FakeTime()
    status = main(["ci", "trigger", "--workflow", "deploy", "--branch", "main"], GITLAB_JOB, sleep=time.sleep)
    assert status is ExitStatus.OK


@responses.activate
def test_inside_a_gitlab_job_a_refused_job_token_exits_4_saying_to_set_gitlab_token(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    responses.post(
        "https://gitlab.example.com/api/v4/projects/group%2Fsub%2Fapp/pipelines/46/cancel",
        status=403,
        json={"message": "403 Forbidden"},
    )
    time = FakeTime()
    assert main(["ci", "cancel"], GITLAB_JOB, sleep=time.sleep, clock=time.clock) is ExitStatus.AUTH_REQUIRED
    assert "GITLAB_TOKEN" in capsys.readouterr().err


# -- whether a lost retry request began ----------------------------------------------------------------

ASKED = datetime(2024, 5, 20, 10, 0, tzinfo=UTC)  # when the retry was asked for


@responses.activate
def test_a_failed_pipeline_running_again_was_retried(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=pipeline(gitlab_example, status="running"))

    found = gitlab.find_rerun("46", attempt=1, since=ASKED)

    assert found is not None
    assert found.status == "in_progress"


@responses.activate
def test_a_finished_pipeline_with_a_job_created_after_the_request_was_retried(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=pipeline(gitlab_example, status="failed"))
    jobs_of(46, [job(gitlab_example, id=7), job(gitlab_example, id=70, created_at="2024-05-20T10:00:03Z")])

    found = gitlab.find_rerun("46", attempt=1, since=ASKED)

    assert found is not None
    assert [j.id for j in found.jobs] == ["7", "70"]


@responses.activate
def test_a_finished_pipeline_whose_jobs_all_predate_the_request_was_not_retried(gitlab, gitlab_example):
    responses.get(f"{PROJECT}/pipelines/46", json=pipeline(gitlab_example, status="failed"))
    jobs_of(46, [job(gitlab_example, id=7), job(gitlab_example, id=8)])

    assert gitlab.find_rerun("46", attempt=1, since=ASKED) is None
