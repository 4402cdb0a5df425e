"""The CircleCI client, faked at the HTTP boundary with ``responses``: every operation, cursor pagination,
the status mapping, errors and safe downloads. Time is a ``FakeTime``: nothing sleeps.

The corpus holds no CircleCI bodies, so they are written from CircleCI's API v2 reference (``circleci_api``
holds the Pipeline, Workflow, Job and page schemas; the PipelineCreation and Artifact ones are below) and,
for job logs, the API v1.1 single-job answer (circleci-docs ``src-api/source/includes/_builds_and_jobs.md``:
``steps[].actions[].output_url``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from agent.cli import ExitStatus, main
from agent.providers import get_provider
from agent.providers.base import AuthenticationError, NotFoundError, ProviderError, UnsupportedOperation
from agent.providers.circleci import JOB_STATUSES, WORKFLOW_STATUSES, CircleCIProvider, api_url_for, slug_for
from tests.agent.providers.circleci_api import (
    API,
    ARTIFACTS,
    JOB_UUID,
    OTHER_WORKFLOW_ID,
    PIPELINE_ID,
    RERUN_ID,
    SLUG,
    WORKFLOW_ID,
    job_body,
    page,
    pipeline_body,
    workflow_body,
)
from tests.agent.providers.conftest import FakeTime


@pytest.fixture
def circleci(fake_time: FakeTime) -> CircleCIProvider:
    return CircleCIProvider(
        "octo-org/octo-repo", token="circle-secret", sleep=fake_time.sleep, clock=fake_time.clock
    )


def not_a_workflow(uuid: str = PIPELINE_ID) -> None:
    """CircleCI's answer to ``GET /workflow/{id}`` for an id that names no workflow."""
    responses.get(f"{API}/workflow/{uuid}", status=404, json={"message": "Workflow not found"})


def a_pipeline(workflows: list[dict], jobs: dict[str, list[dict]] | None = None, **changes: Any) -> None:
    """The pipeline, its workflows and each workflow's jobs, as CircleCI serves them (its UUID names no
    workflow, which the client asks first)."""
    not_a_workflow()
    responses.get(f"{API}/pipeline/{PIPELINE_ID}", json=pipeline_body(**changes))
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(*workflows))
    for workflow_id, items in (jobs or {}).items():
        responses.get(f"{API}/workflow/{workflow_id}/job", json=page(*items))


# -- where and how it talks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("repo", "config", "slug"),
    [
        ("octo-org/octo-repo", {}, "gh/octo-org/octo-repo"),
        ("octo-org/octo-repo", {"vcs": "bb"}, "bb/octo-org/octo-repo"),
        ("gh/octo-org/octo-repo", {}, "gh/octo-org/octo-repo"),
        (
            "circleci/9YytKzouJxzu4TjCRFqAoD/EaJ7ZZXoVqbBZoC3a9xJ6K",
            {},
            "circleci/9YytKzouJxzu4TjCRFqAoD/EaJ7ZZXoVqbBZoC3a9xJ6K",
        ),
    ],
)
def test_a_project_is_named_by_owner_and_name_on_a_vcs_or_by_its_full_slug(repo, config, slug):
    assert slug_for(repo, config.get("vcs", "gh")) == slug


@pytest.mark.parametrize(
    ("given", "api"),
    [
        (None, "https://circleci.com/api/v2"),
        ("https://circleci.com", "https://circleci.com/api/v2"),
        ("https://app.circleci.com/", "https://circleci.com/api/v2"),
        ("https://circleci.example.com", "https://circleci.example.com/api/v2"),
        ("https://circleci.example.com/api/v2/", "https://circleci.example.com/api/v2"),
    ],
)
def test_it_finds_the_api_for_circleci_com_and_circleci_server(given, api):
    assert api_url_for(given) == api


@responses.activate
def test_a_circleci_server_serves_logs_through_its_own_api_v1_1(fake_time):
    provider = CircleCIProvider("octo-org/octo-repo", token="t", api_url="https://circleci.example.com")
    responses.get(
        "https://circleci.example.com/api/v1.1/project/github/octo-org/octo-repo/412", json={"steps": []}
    )
    assert provider.job_log("412") == ""


@pytest.mark.parametrize("repo", ["octo-repo", "gl/a/b", "gh/a/b/c", "gh/../b"])
def test_something_that_is_not_a_project_slug_is_refused_at_once(repo):
    with pytest.raises(ProviderError, match="not a CircleCI project"):
        CircleCIProvider(repo, token="t")


@responses.activate
def test_it_sends_the_circle_token_header(circleci):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body()]})
    get_provider("circleci", "octo-org/octo-repo", token="circle-secret").get_run(PIPELINE_ID)
    headers = responses.calls[0].request.headers
    assert headers["Circle-Token"] == "circle-secret"
    assert headers["User-Agent"].startswith("orchestrate/")


# -- statuses ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("workflow_status", "ours"),
    [
        ("running", ("in_progress", None)),
        ("failing", ("in_progress", None)),
        ("on_hold", ("completed", "neutral")),
        ("success", ("completed", "success")),
        ("failed", ("completed", "failure")),
        ("error", ("completed", "failure")),
        ("unauthorized", ("completed", "failure")),
        ("canceled", ("completed", "cancelled")),
        ("not_run", ("completed", "skipped")),
    ],
)
@responses.activate
def test_a_pipelines_status_is_its_workflows(circleci, workflow_status, ours):
    a_pipeline([workflow_body(status=workflow_status)], {WORKFLOW_ID: []})
    run = circleci.get_run(PIPELINE_ID)
    assert (run.status, run.conclusion) == ours


def test_every_documented_status_is_mapped():
    workflows = {
        "success",
        "running",
        "not_run",
        "failed",
        "error",
        "failing",
        "on_hold",
        "canceled",
        "unauthorized",
    }
    jobs = {
        "success",
        "running",
        "not_run",
        "failed",
        "retried",
        "queued",
        "not_running",
        "infrastructure_fail",
        "timedout",
        "on_hold",
        "terminated-unknown",
        "blocked",
        "canceled",
        "unauthorized",
    }
    assert workflows <= set(WORKFLOW_STATUSES)
    assert jobs <= set(JOB_STATUSES)


@responses.activate
def test_the_worst_of_several_workflows_is_the_pipelines_conclusion(circleci):
    a_pipeline(
        [workflow_body(), workflow_body(OTHER_WORKFLOW_ID, name="deploy", status="failed")],
        {WORKFLOW_ID: [], OTHER_WORKFLOW_ID: []},
    )
    run = circleci.get_run(PIPELINE_ID)
    assert (run.status, run.conclusion) == ("completed", "failure")
    assert run.workflow == "build-and-test, deploy"


@responses.activate
def test_a_pipeline_runs_while_any_workflow_runs(circleci):
    a_pipeline(
        [workflow_body(status="failed"), workflow_body(OTHER_WORKFLOW_ID, name="deploy", status="running")],
        {WORKFLOW_ID: [], OTHER_WORKFLOW_ID: []},
    )
    assert circleci.get_run(PIPELINE_ID).status == "in_progress"


@responses.activate
def test_a_rerun_workflow_replaces_the_one_it_reruns_and_counts_as_an_attempt(circleci):
    rerun = workflow_body(RERUN_ID, status="success", created_at="2024-05-20T11:00:00Z")
    a_pipeline([workflow_body(status="failed"), rerun], {RERUN_ID: [job_body(413)]})
    run = circleci.get_run(PIPELINE_ID)
    assert (run.status, run.conclusion, run.attempt) == ("completed", "success", 2)
    assert [job.id for job in run.jobs] == ["413"]


@pytest.mark.parametrize(
    ("state", "ours"),
    [
        ("setup-pending", ("queued", None)),
        ("pending", ("queued", None)),
        ("errored", ("completed", "failure")),
        ("created", ("completed", "skipped")),
    ],
)
@responses.activate
def test_a_pipeline_without_workflows_is_waiting_errored_or_had_nothing_to_run(circleci, state, ours):
    a_pipeline([], state=state)
    run = circleci.get_run(PIPELINE_ID)
    assert (run.status, run.conclusion) == ours


# -- listing and reading runs ----------------------------------------------------------------------------


@responses.activate
def test_get_run_maps_the_pipeline_and_its_jobs(circleci):
    approval = job_body(
        None,
        id="e3b9c1d2-7a6f-4e5d-8c9b-0a1f2e3d4c5b",
        name="hold",
        type="approval",
        status="on_hold",
        started_at=None,
        stopped_at=None,
    )
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body(status="timedout"), approval]})
    run = circleci.get_run(PIPELINE_ID)
    assert run.id == PIPELINE_ID
    assert run.url == "https://app.circleci.com/pipelines/github/octo-org/octo-repo/1285"
    assert (run.branch, run.commit_sha, run.event) == (
        "main",
        "f454a02b5d10fcccfd7d9dd7608a76d6493a98b4",
        "webhook",
    )
    assert [(j.id, j.name, j.status, j.conclusion) for j in run.jobs] == [
        ("412", "test", "completed", "timed_out"),
        ("e3b9c1d2-7a6f-4e5d-8c9b-0a1f2e3d4c5b", "hold", "completed", "neutral"),
    ]
    assert run.jobs[0].url == f"{run.url}/workflows/{WORKFLOW_ID}/jobs/412"


@responses.activate
def test_a_pipeline_can_be_named_by_its_number(circleci):
    responses.get(f"{API}/project/{SLUG}/pipeline/1285", json=pipeline_body())
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page())
    assert circleci.get_run("1285").id == PIPELINE_ID


def test_a_run_id_that_is_neither_a_uuid_nor_a_number_is_refused_without_a_request(circleci):
    with responses.RequestsMock(), pytest.raises(ProviderError, match="number or UUID"):
        circleci.get_run("../../me")


@responses.activate
def test_list_runs_follows_the_page_token_and_reads_each_pipelines_workflows(circleci):
    second = "b6c3d2e1-0f9a-4b8c-8d7e-6f5a4b3c2d1e"
    responses.get(
        f"{API}/project/{SLUG}/pipeline",
        json=page(pipeline_body(), next_token="NEXT"),
        match=[matchers.query_param_matcher({"branch": "main"})],
    )
    responses.get(
        f"{API}/project/{SLUG}/pipeline",
        json=page(pipeline_body(id=second, number=1284)),
        match=[matchers.query_param_matcher({"branch": "main", "page-token": "NEXT"})],
    )
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(workflow_body(status="running")))
    responses.get(f"{API}/pipeline/{second}/workflow", json=page(workflow_body(status="failed")))
    runs = circleci.list_runs(branch="main")
    assert [(run.id, run.status, run.conclusion) for run in runs] == [
        (PIPELINE_ID, "in_progress", None),
        (second, "completed", "failure"),
    ]


@responses.activate
def test_list_runs_stops_reading_once_it_has_the_limit(circleci):
    responses.get(f"{API}/project/{SLUG}/pipeline", json=page(pipeline_body(), next_token="NEXT"))
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(workflow_body()))
    assert len(circleci.list_runs(limit=1)) == 1
    assert len(responses.calls) == 2


@responses.activate
def test_list_runs_filters_by_workflow_name_and_by_status(circleci):
    other = "b6c3d2e1-0f9a-4b8c-8d7e-6f5a4b3c2d1e"
    responses.get(f"{API}/project/{SLUG}/pipeline", json=page(pipeline_body(), pipeline_body(id=other)))
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(workflow_body(name="nightly")))
    responses.get(f"{API}/pipeline/{other}/workflow", json=page(workflow_body(status="running")))
    assert [run.id for run in circleci.list_runs(workflow="Nightly")] == [PIPELINE_ID]
    assert [run.id for run in circleci.list_runs(status="in_progress")] == [other]


@responses.activate
def test_a_uuid_that_is_neither_a_workflow_nor_a_pipeline_says_to_check_the_project_and_the_id(circleci):
    not_a_workflow()
    responses.get(f"{API}/pipeline/{PIPELINE_ID}", status=404, json={"message": "Pipeline not found"})
    with pytest.raises(NotFoundError) as caught:
        circleci.get_run(PIPELINE_ID)
    assert f"no workflow or pipeline {PIPELINE_ID}" in caught.value.message
    assert "--repo octo-org/octo-repo" in caught.value.hint


@responses.activate
def test_a_rejected_token_says_to_use_a_personal_api_token(circleci):
    responses.get(f"{API}/workflow/{PIPELINE_ID}", status=401, json={"message": "You must log in first."})
    with pytest.raises(AuthenticationError) as caught:
        circleci.get_run(PIPELINE_ID)
    assert "personal API token" in caught.value.hint
    assert "You must log in first." in caught.value.message
    assert caught.value.exit_code == 4


@responses.activate
def test_a_rate_limited_request_waits_for_retry_after(circleci, fake_time):
    responses.get(f"{API}/pipeline/{PIPELINE_ID}", status=429, headers={"Retry-After": "7"})
    a_pipeline([], state="pending")
    circleci.get_run(PIPELINE_ID)
    assert fake_time.sleeps == [7.0]


# -- trigger ---------------------------------------------------------------------------------------------


@responses.activate
def test_trigger_starts_a_pipeline_on_a_branch_with_typed_parameters(circleci):
    created = {"id": PIPELINE_ID, "state": "created", "number": 1286, "created_at": "2024-05-20T12:00:00Z"}
    responses.post(
        f"{API}/project/{SLUG}/pipeline",
        status=201,
        json=created,
        match=[
            matchers.json_params_matcher(
                {"branch": "main", "parameters": {"run_nightly": True, "shards": 4, "target": "staging"}}
            )
        ],
    )
    triggered = circleci.trigger(
        workflow="", ref="main", inputs={"run_nightly": "true", "shards": "4", "target": "staging"}
    )
    assert triggered.run is not None
    assert (triggered.run.id, triggered.run.status, triggered.run.branch) == (PIPELINE_ID, "queued", "main")
    assert triggered.url == "https://app.circleci.com/pipelines/github/octo-org/octo-repo/1286"
    assert f"started pipeline 1286, {PIPELINE_ID} on main" in triggered.message


@responses.activate
def test_a_tag_ref_starts_the_pipeline_on_the_tag_and_a_workflow_parameter_carries_the_workflow(fake_time):
    provider = CircleCIProvider("octo-org/octo-repo", token="t", config={"workflow_parameter": "workflow"})
    responses.post(
        f"{API}/project/{SLUG}/pipeline",
        json={"id": PIPELINE_ID, "state": "pending", "number": 7, "created_at": "2024-05-20T12:00:00Z"},
        match=[matchers.json_params_matcher({"tag": "v1.2.0", "parameters": {"workflow": "deploy"}})],
    )
    triggered = provider.trigger(workflow="deploy", ref="refs/tags/v1.2.0")
    assert "deploy passed as pipeline parameter workflow" in triggered.message


@responses.activate
def test_without_a_workflow_parameter_the_message_says_the_workflow_was_not_sent(circleci):
    responses.post(
        f"{API}/project/{SLUG}/pipeline", json={"id": PIPELINE_ID, "state": "pending", "number": 7}
    )
    assert "not sent" in circleci.trigger(workflow="deploy", ref="main").message


@responses.activate
def test_a_circleci_slug_project_is_triggered_by_pipeline_definition(fake_time):
    slug = "circleci/9YytKzouJxzu4TjCRFqAoD/EaJ7ZZXoVqbBZoC3a9xJ6K"
    provider = CircleCIProvider(
        slug, token="t", config={"definition_id": "2338d0ae-5541-4bbf-88a2-55e9f7281f3b"}
    )
    responses.post(
        f"{API}/project/{slug}/pipeline/run",
        json={"id": PIPELINE_ID, "state": "created", "number": 3, "created_at": "2024-05-20T12:00:00Z"},
        match=[
            matchers.json_params_matcher(
                {
                    "definition_id": "2338d0ae-5541-4bbf-88a2-55e9f7281f3b",
                    "config": {"branch": "main"},
                    "checkout": {"branch": "main"},
                }
            )
        ],
    )
    assert provider.trigger(workflow="", ref="main").run is not None


def test_a_circleci_slug_project_without_a_definition_id_says_to_set_one(fake_time):
    provider = CircleCIProvider("circleci/ORG/PROJECT", token="t")
    with responses.RequestsMock(), pytest.raises(ProviderError) as caught:
        provider.trigger(workflow="", ref="main")
    assert "definition_id" in caught.value.hint


# -- logs ------------------------------------------------------------------------------------------------


@responses.activate
def test_a_jobs_log_is_its_steps_output_read_from_api_v1_1_without_the_token_on_storage(circleci):
    storage = "https://circle-production-action-output.s3.amazonaws.com/abc"
    job = {
        "build_num": 412,
        "steps": [
            {
                "name": "Checkout code",
                "actions": [{"index": 0, "name": "Checkout code", "output_url": f"{storage}/0?sig=x"}],
            },
            {
                "name": "Run tests",
                "actions": [{"index": 0, "name": "Run tests", "output_url": f"{storage}/1?sig=y"}],
            },
            {"name": "Spin up environment", "actions": [{"index": 0, "name": "Spin up environment"}]},
        ],
    }
    responses.get("https://circleci.com/api/v1.1/project/github/octo-org/octo-repo/412", json=job)
    responses.get(
        f"{storage}/0", json=[{"message": "Cloning\n", "time": "2024-05-20T10:00:11Z", "type": "out"}]
    )
    responses.get(
        f"{storage}/1",
        json=[{"message": "1 failed\n", "type": "out"}, {"message": "Exited 1\n", "type": "err"}],
    )
    log = circleci.job_log("412")
    assert log == "## Checkout code\nCloning\n## Run tests\n1 failed\nExited 1\n## Spin up environment\n"
    assert responses.calls[0].request.headers["Circle-Token"] == "circle-secret"
    assert all("Circle-Token" not in call.request.headers for call in responses.calls[1:])


@responses.activate
def test_a_long_job_log_keeps_its_tail(circleci):
    storage = "https://circle-production-action-output.s3.amazonaws.com/abc"
    job = {"steps": [{"name": "Run tests", "actions": [{"index": 0, "output_url": f"{storage}/0"}]}]}
    responses.get("https://circleci.com/api/v1.1/project/github/octo-org/octo-repo/412", json=job)
    responses.get(
        f"{storage}/0", json=[{"message": "noise\n" * 10_000}, {"message": "FAILED: the real one\n"}]
    )
    log = circleci.job_log("412", max_bytes=1000)
    assert log.endswith("FAILED: the real one\n")
    assert len(log.encode()) < 1100


def test_a_projects_logs_under_a_circleci_slug_are_unsupported(fake_time):
    provider = CircleCIProvider("circleci/ORG/PROJECT", token="t")
    with responses.RequestsMock(), pytest.raises(UnsupportedOperation, match="read job logs"):
        provider.job_log("412")


def test_an_approval_job_has_no_log_and_no_request_is_made(circleci):
    with responses.RequestsMock():
        assert "approval job" in circleci.job_log(JOB_UUID)


def test_a_job_id_that_is_neither_a_number_nor_a_uuid_is_refused(circleci):
    with responses.RequestsMock(), pytest.raises(ProviderError, match="job number"):
        circleci.job_log("../admin")


@responses.activate
def test_run_logs_writes_each_started_jobs_log(circleci, tmp_path: Path):
    a_pipeline(
        [workflow_body()],
        {WORKFLOW_ID: [job_body(name="unit tests"), job_body(413, name="lint", started_at=None)]},
    )
    responses.get("https://circleci.com/api/v1.1/project/github/octo-org/octo-repo/412", json={"steps": []})
    written = circleci.run_logs(PIPELINE_ID, tmp_path)
    assert [path.name for path in written] == ["412-unit_tests.log"]


# -- re-run and cancel ------------------------------------------------------------------------------------


@responses.activate
def test_retrying_the_failed_jobs_reruns_each_failed_workflow_from_failed(circleci, fake_time):
    a_pipeline(
        [workflow_body(status="failed"), workflow_body(OTHER_WORKFLOW_ID, name="lint", status="success")]
    )
    responses.post(
        f"{API}/workflow/{WORKFLOW_ID}/rerun",
        status=202,
        json={"workflow_id": RERUN_ID},
        match=[matchers.json_params_matcher({"from_failed": True})],
    )
    responses.get(
        f"{API}/pipeline/{PIPELINE_ID}/workflow",
        json=page(
            workflow_body(status="failed"),
            workflow_body(RERUN_ID, status="running", created_at="2024-05-20T11:00:00Z"),
        ),
    )
    run = circleci.retry(PIPELINE_ID, failed_only=True)
    assert run is not None
    assert (run.status, run.attempt) == ("in_progress", 2)


@responses.activate
def test_retrying_a_whole_pipeline_reruns_every_latest_workflow_from_the_start(circleci, fake_time):
    a_pipeline([workflow_body(status="failed"), workflow_body(OTHER_WORKFLOW_ID, name="lint")])
    for workflow_id in (WORKFLOW_ID, OTHER_WORKFLOW_ID):
        responses.post(
            f"{API}/workflow/{workflow_id}/rerun",
            status=202,
            json={"workflow_id": RERUN_ID},
            match=[matchers.json_params_matcher({})],
        )
    circleci.retry(PIPELINE_ID)
    assert [call.request.url for call in responses.calls if call.request.method == "POST"] == [
        f"{API}/workflow/{WORKFLOW_ID}/rerun",
        f"{API}/workflow/{OTHER_WORKFLOW_ID}/rerun",
    ]
    assert fake_time.sleeps == [1.0]  # the second write waited out the one-second spacing


@responses.activate
def test_retrying_one_job_reruns_its_workflow_with_that_jobs_uuid(circleci):
    a_pipeline([workflow_body(status="failed")], {WORKFLOW_ID: [job_body(status="failed")]})
    responses.post(
        f"{API}/workflow/{WORKFLOW_ID}/rerun",
        status=202,
        json={"workflow_id": RERUN_ID},
        match=[matchers.json_params_matcher({"jobs": [JOB_UUID]})],
    )
    assert circleci.retry(PIPELINE_ID, job_id="412") is not None


@responses.activate
def test_retrying_the_failed_jobs_of_a_pipeline_that_did_not_fail_says_so(circleci):
    a_pipeline([workflow_body(status="success")])
    with pytest.raises(ProviderError, match="no failed workflow"):
        circleci.retry(PIPELINE_ID, failed_only=True)


@responses.activate
def test_cancel_cancels_every_workflow_still_running(circleci):
    a_pipeline(
        [workflow_body(status="running"), workflow_body(OTHER_WORKFLOW_ID, name="lint", status="success")]
    )
    responses.post(f"{API}/workflow/{WORKFLOW_ID}/cancel", status=202, json={"message": "Accepted."})
    circleci.cancel(PIPELINE_ID)
    assert [call.request.method for call in responses.calls].count("POST") == 1


@responses.activate
def test_cancelling_a_finished_pipeline_says_there_is_nothing_to_cancel(circleci):
    a_pipeline([workflow_body(status="success")])
    with pytest.raises(ProviderError, match="no running or held workflow"):
        circleci.cancel(PIPELINE_ID)


# -- artifacts -------------------------------------------------------------------------------------------


def artifact(path: str, node: int = 0) -> dict:
    """An item of ``GET /project/{slug}/{job_number}/artifacts`` (schema Artifact)."""
    return {"path": path, "node_index": node, "url": f"{ARTIFACTS.replace('/0', f'/{node}')}/{path}"}


@responses.activate
def test_list_artifacts_is_every_file_the_jobs_stored_across_pages(circleci):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body()]})
    responses.get(
        f"{API}/project/{SLUG}/412/artifacts",
        json=page(artifact("test-results/junit.xml"), next_token="N"),
        match=[matchers.query_param_matcher({})],
    )
    responses.get(
        f"{API}/project/{SLUG}/412/artifacts",
        json=page(artifact("coverage/index.html")),
        match=[matchers.query_param_matcher({"page-token": "N"})],
    )
    found = circleci.list_artifacts(PIPELINE_ID)
    assert [(a.name, a.size, a.expired) for a in found] == [
        ("test-results/junit.xml", None, False),
        ("coverage/index.html", None, False),
    ]


@responses.activate
def test_artifacts_are_downloaded_into_the_jobs_directory_with_the_token_only_on_circleci_hosts(
    circleci, tmp_path
):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body(name="unit tests")]})
    responses.get(
        f"{API}/project/{SLUG}/412/artifacts",
        json=page(artifact("test-results/junit.xml"), artifact("log.txt")),
    )
    responses.get(f"{ARTIFACTS}/test-results/junit.xml", body=b"<testsuite/>")
    responses.get(
        f"{ARTIFACTS}/log.txt", status=302, headers={"Location": "https://s3.amazonaws.com/b/log.txt?sig=x"}
    )
    responses.get("https://s3.amazonaws.com/b/log.txt", body=b"log")
    written = circleci.download_artifacts(PIPELINE_ID, tmp_path)
    assert (tmp_path / "unit_tests" / "test-results" / "junit.xml").read_bytes() == b"<testsuite/>"
    assert (tmp_path / "unit_tests" / "log.txt").read_bytes() == b"log"
    assert len(written) == 2
    by_host = {call.request.url.split("/")[2]: call.request.headers for call in responses.calls}
    assert by_host["output.circle-artifacts.com"]["Circle-Token"] == "circle-secret"
    assert "Circle-Token" not in by_host["s3.amazonaws.com"]


@responses.activate
def test_a_job_that_ran_on_several_nodes_keeps_each_nodes_files_apart(circleci, tmp_path):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body()]})
    responses.get(
        f"{API}/project/{SLUG}/412/artifacts", json=page(artifact("junit.xml", 0), artifact("junit.xml", 1))
    )
    for node in (0, 1):
        responses.get(f"{ARTIFACTS.replace('/0', f'/{node}')}/junit.xml", body=str(node).encode())
    circleci.download_artifacts(PIPELINE_ID, tmp_path)
    assert (tmp_path / "test" / "node-0" / "junit.xml").read_text() == "0"
    assert (tmp_path / "test" / "node-1" / "junit.xml").read_text() == "1"


@responses.activate
def test_a_name_picks_one_path_or_a_directory_of_paths(circleci, tmp_path):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body()]})
    responses.get(
        f"{API}/project/{SLUG}/412/artifacts",
        json=page(artifact("coverage/index.html"), artifact("coverage/app.css"), artifact("junit.xml")),
    )
    responses.get(f"{ARTIFACTS}/coverage/index.html", body=b"<html/>")
    responses.get(f"{ARTIFACTS}/coverage/app.css", body=b"body{}")
    assert len(circleci.download_artifacts(PIPELINE_ID, tmp_path, name="coverage")) == 2
    assert not (tmp_path / "test" / "junit.xml").exists()


@responses.activate
def test_a_name_no_artifact_has_is_not_found(circleci, tmp_path):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body()]})
    responses.get(f"{API}/project/{SLUG}/412/artifacts", json=page(artifact("junit.xml")))
    with pytest.raises(NotFoundError, match="no artifact at 'coverage'"):
        circleci.download_artifacts(PIPELINE_ID, tmp_path, name="coverage")


@responses.activate
def test_an_artifact_path_that_leaves_the_destination_is_refused_before_any_download(circleci, tmp_path):
    a_pipeline([workflow_body()], {WORKFLOW_ID: [job_body()]})
    listing = page(artifact("ok.txt"), artifact("../../../.bashrc"))
    responses.get(f"{API}/project/{SLUG}/412/artifacts", json=listing)
    responses.get(f"{ARTIFACTS}/ok.txt", body=b"ok")
    with pytest.raises(ProviderError, match="leaves the destination"):
        circleci.download_artifacts(PIPELINE_ID, tmp_path / "out")
    assert not (tmp_path / ".bashrc").exists()
    assert not any("circle-artifacts" in call.request.url for call in responses.calls)


# -- a workflow as the run (the id the agent, the webhooks, OIDC and so the hub hold) ----------------------


def a_workflow(workflow: dict, jobs: list[dict] | None = None) -> None:
    """``GET /workflow/{id}`` (schema Workflow), its pipeline and its jobs, as CircleCI serves them."""
    responses.get(f"{API}/workflow/{workflow['id']}", json=workflow)
    responses.get(f"{API}/pipeline/{PIPELINE_ID}", json=pipeline_body())
    responses.get(f"{API}/workflow/{workflow['id']}/job", json=page(*(jobs or [])))


@responses.activate
def test_a_workflow_id_is_a_run_of_its_own_with_its_status_jobs_and_attempt_1(circleci):
    a_workflow(workflow_body(status="failed"), [job_body(status="failed")])
    run = circleci.get_run(WORKFLOW_ID)
    assert (run.id, run.status, run.conclusion, run.attempt) == (WORKFLOW_ID, "completed", "failure", 1)
    assert (run.workflow, run.branch, run.event) == ("build-and-test", "main", "webhook")
    assert (
        run.url
        == f"https://app.circleci.com/pipelines/github/octo-org/octo-repo/1285/workflows/{WORKFLOW_ID}"
    )
    assert [(job.id, job.conclusion, job.url) for job in run.jobs] == [
        ("412", "failure", f"{run.url}/jobs/412")
    ]
    assert not any(
        "/pipeline/" in call.request.url and "/workflow" in call.request.url for call in responses.calls
    )


@responses.activate
def test_a_rerun_workflow_is_its_own_run_at_attempt_1_not_the_pipelines_latest(circleci):
    a_workflow(workflow_body(RERUN_ID, status="running", created_at="2024-05-20T11:00:00Z"))
    run = circleci.get_run(RERUN_ID)
    assert (run.id, run.status, run.conclusion, run.attempt) == (RERUN_ID, "in_progress", None, 1)


@responses.activate
def test_a_uuid_is_asked_as_a_workflow_first_and_once_known_as_a_pipeline_is_not_asked_again(circleci):
    a_pipeline([workflow_body()], {WORKFLOW_ID: []})
    circleci.get_run(PIPELINE_ID)
    circleci.get_run(PIPELINE_ID)
    asked = [call.request.url.removeprefix(API) for call in responses.calls]
    assert asked[:2] == [f"/workflow/{PIPELINE_ID}", f"/pipeline/{PIPELINE_ID}"]
    assert asked.count(f"/workflow/{PIPELINE_ID}") == 1


@responses.activate
def test_a_workflows_jobs_and_artifacts_are_its_own(circleci):
    a_workflow(workflow_body(), [job_body()])
    responses.get(f"{API}/project/{SLUG}/412/artifacts", json=page(artifact("junit.xml")))
    assert [job.id for job in circleci.list_jobs(WORKFLOW_ID)] == ["412"]
    assert [item.name for item in circleci.list_artifacts(WORKFLOW_ID)] == ["junit.xml"]


@responses.activate
def test_retrying_a_workflow_reruns_it_alone_and_returns_the_new_workflow(circleci):
    a_workflow(workflow_body(status="failed"))
    responses.post(
        f"{API}/workflow/{WORKFLOW_ID}/rerun",
        status=202,
        json={"workflow_id": RERUN_ID},
        match=[matchers.json_params_matcher({})],
    )
    responses.get(
        f"{API}/workflow/{RERUN_ID}", json=workflow_body(RERUN_ID, status="running", stopped_at=None)
    )
    run = circleci.retry(WORKFLOW_ID)
    assert run is not None
    assert (run.id, run.status, run.attempt, run.branch) == (RERUN_ID, "in_progress", 1, "main")
    assert run.url.endswith(f"/1285/workflows/{RERUN_ID}")


@responses.activate
def test_retrying_a_workflows_failed_jobs_reruns_it_from_failed(circleci):
    a_workflow(workflow_body(status="failed"))
    responses.post(
        f"{API}/workflow/{WORKFLOW_ID}/rerun",
        status=202,
        json={"workflow_id": RERUN_ID},
        match=[matchers.json_params_matcher({"from_failed": True})],
    )
    responses.get(f"{API}/workflow/{RERUN_ID}", json=workflow_body(RERUN_ID, status="running"))
    assert circleci.retry(WORKFLOW_ID, failed_only=True) is not None


@responses.activate
def test_retrying_the_failed_jobs_of_a_workflow_that_did_not_fail_says_so(circleci):
    a_workflow(workflow_body(status="success"))
    with pytest.raises(ProviderError, match=f"workflow {WORKFLOW_ID} did not fail"):
        circleci.retry(WORKFLOW_ID, failed_only=True)


@pytest.mark.parametrize("job_id", ["412", JOB_UUID])
@responses.activate
def test_retrying_one_job_of_a_workflow_by_number_or_uuid_sends_its_uuid(circleci, job_id):
    a_workflow(workflow_body(status="failed"), [job_body(status="failed")])
    responses.post(
        f"{API}/workflow/{WORKFLOW_ID}/rerun",
        status=202,
        json={"workflow_id": RERUN_ID},
        match=[matchers.json_params_matcher({"jobs": [JOB_UUID]})],
    )
    responses.get(f"{API}/workflow/{RERUN_ID}", json=workflow_body(RERUN_ID, status="running"))
    assert circleci.retry(WORKFLOW_ID, job_id=job_id) is not None


@responses.activate
def test_cancelling_a_workflow_cancels_it_alone(circleci):
    responses.get(f"{API}/workflow/{WORKFLOW_ID}", json=workflow_body(status="running"))
    responses.post(f"{API}/workflow/{WORKFLOW_ID}/cancel", status=202, json={"message": "Accepted."})
    circleci.cancel(WORKFLOW_ID)
    assert [call.request.method for call in responses.calls] == ["GET", "POST"]


@responses.activate
def test_cancelling_a_finished_workflow_says_there_is_nothing_to_cancel(circleci):
    responses.get(f"{API}/workflow/{WORKFLOW_ID}", json=workflow_body(status="success"))
    with pytest.raises(ProviderError, match="nothing to cancel"):
        circleci.cancel(WORKFLOW_ID)


# -- through `orchestrate ci` --------------------------------------------------------------------------


@responses.activate
def test_orchestrate_ci_status_reads_a_pipeline_by_number_with_circle_token(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    responses.get(f"{API}/project/{SLUG}/pipeline/1285", json=pipeline_body())
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(workflow_body(status="failed")))
    responses.get(f"{API}/workflow/{WORKFLOW_ID}/job", json=page(job_body(status="failed")))
    env = {
        "ORCHESTRATE_CI_PROVIDER": "circleci",
        "ORCHESTRATE_REPO": "octo-org/octo-repo",
        "CIRCLE_TOKEN": "c",
    }
    time = FakeTime()
    status = main(["ci", "status", "1285", "--exit-status"], env, sleep=time.sleep, clock=time.clock)
    assert status is ExitStatus.RUN_FAILED
    assert "test" in capsys.readouterr().out
    assert responses.calls[0].request.headers["Circle-Token"] == "c"


@responses.activate
def test_orchestrate_ci_status_in_a_circleci_job_reads_its_own_workflow(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    a_workflow(workflow_body(status="running", stopped_at=None), [job_body(status="running")])
    env = {
        "CIRCLECI": "true",
        "CIRCLE_PROJECT_USERNAME": "octo-org",
        "CIRCLE_PROJECT_REPONAME": "octo-repo",
        "CIRCLE_WORKFLOW_ID": WORKFLOW_ID,
        "CIRCLE_BRANCH": "main",
        "CIRCLE_TOKEN": "c",
    }
    time = FakeTime()
    status = main(["ci", "status", "--json"], env, sleep=time.sleep, clock=time.clock)
    assert status is ExitStatus.OK
    assert f'"id": "{WORKFLOW_ID}"' in capsys.readouterr().out


@responses.activate
def test_orchestrate_ci_retry_of_a_workflow_names_the_new_workflow(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    a_workflow(workflow_body(status="failed"))
    responses.post(f"{API}/workflow/{WORKFLOW_ID}/rerun", status=202, json={"workflow_id": RERUN_ID})
    responses.get(f"{API}/workflow/{RERUN_ID}", json=workflow_body(RERUN_ID, status="running"))
    env = {
        "ORCHESTRATE_CI_PROVIDER": "circleci",
        "ORCHESTRATE_REPO": "octo-org/octo-repo",
        "CIRCLE_TOKEN": "c",
    }
    time = FakeTime()
    assert main(["ci", "retry", WORKFLOW_ID], env, sleep=time.sleep, clock=time.clock) is ExitStatus.OK
    assert capsys.readouterr().out.splitlines()[0] == (
        f"re-running every job of run {WORKFLOW_ID} as new run {RERUN_ID}"
    )


# -- whether a lost re-run request began ---------------------------------------------------------------

ASKED = datetime(2024, 5, 20, 10, 30, tzinfo=UTC)  # when the re-run was asked for


@responses.activate
def test_a_workflow_was_re_run_when_its_pipeline_has_a_newer_workflow_of_its_name(circleci):
    responses.get(f"{API}/workflow/{WORKFLOW_ID}", json=workflow_body(status="failed"))
    rerun = workflow_body(RERUN_ID, status="running", created_at="2024-05-20T10:30:01Z")
    other = workflow_body(OTHER_WORKFLOW_ID, name="lint", created_at="2024-05-20T10:40:00Z")
    responses.get(
        f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(workflow_body(status="failed"), rerun, other)
    )
    responses.get(f"{API}/pipeline/{PIPELINE_ID}", json=pipeline_body())

    found = circleci.find_rerun(WORKFLOW_ID, attempt=1, since=ASKED)

    assert found is not None
    assert (found.id, found.status) == (RERUN_ID, "in_progress")


@responses.activate
def test_a_workflow_alone_of_its_name_in_its_pipeline_was_not_re_run(circleci):
    responses.get(f"{API}/workflow/{WORKFLOW_ID}", json=workflow_body(status="failed"))
    other = workflow_body(OTHER_WORKFLOW_ID, name="lint", created_at="2024-05-20T10:40:00Z")
    responses.get(f"{API}/pipeline/{PIPELINE_ID}/workflow", json=page(workflow_body(status="failed"), other))

    assert circleci.find_rerun(WORKFLOW_ID, attempt=1, since=ASKED) is None


@responses.activate
def test_a_pipeline_was_re_run_when_a_workflow_was_created_after_the_request(circleci):
    rerun = workflow_body(RERUN_ID, status="running", created_at="2024-05-20T10:30:01Z")
    a_pipeline([workflow_body(status="failed"), rerun])

    found = circleci.find_rerun(PIPELINE_ID, attempt=1, since=ASKED)

    assert found is not None
    assert found.id == PIPELINE_ID
