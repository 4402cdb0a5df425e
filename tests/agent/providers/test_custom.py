"""The custom (YAML-configured) provider, faked at the HTTP boundary with ``responses``: the issue's own
example configuration, every operation's endpoint, the field paths and the status map, authentication,
unsupported operations naming their key, and safe downloads. The answers are a made-up CI's, which is the
point: the configuration says where our fields are in them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import responses
from responses import matchers

from agent.cli import ExitStatus, main
from agent.providers import get_provider
from agent.providers.base import AuthenticationError, NotFoundError, ProviderError, UnsupportedOperation
from agent.providers.custom import CustomProvider, dig
from agent.providers.extract import UnsafeArchiveError
from tests.agent.providers.conftest import FakeTime, zip_bytes

CI = "https://ci.example.com/api"

# The issue's example, with the mapping it mentions.
ISSUE_CONFIG: dict[str, Any] = {
    "trigger_url": f"{CI}/trigger",
    "status_url": f"{CI}/status/{{run_id}}",
    "auth": {"type": "bearer", "token": "ci-secret"},
    "fields": {"id": "data.id", "status": "data.state", "url": "data.link", "branch": "data.ref",
               "jobs": "data.steps"},
    "job_fields": {"id": "key", "name": "title", "status": "state"},
    "status_map": {"ok": "success", "broken": "failure", "busy": "in_progress", "waiting": "queued"},
}  # fmt: skip


def custom(fake_time: FakeTime, config: dict[str, Any], **kwargs: Any) -> CustomProvider:
    kwargs.setdefault("token", None)
    return CustomProvider("web/app", config=config, sleep=fake_time.sleep, clock=fake_time.clock, **kwargs)


def status_answer(run_id: str = "r-17", state: str = "ok", steps: list | None = None) -> dict:
    link = f"https://ci.example.com/runs/{run_id}"
    return {"data": {"id": run_id, "state": state, "link": link, "ref": "main", "steps": steps or []}}


# -- the issue's example -------------------------------------------------------------------------------


@responses.activate
def test_the_issues_example_triggers_and_reads_a_run_with_a_bearer_token(fake_time):
    responses.post(
        f"{CI}/trigger",
        json={"data": {"id": "r-17"}},
        match=[
            matchers.json_params_matcher({"ref": "main", "workflow": "deploy", "inputs": {"env": "staging"}})
        ],
    )
    responses.get(f"{CI}/status/r-17", json=status_answer(state="busy"))
    provider = get_provider("custom", "web/app", token=None, config=ISSUE_CONFIG, sleep=fake_time.sleep)
    triggered = provider.trigger(workflow="deploy", ref="main", inputs={"env": "staging"})
    assert triggered.run is not None
    assert (triggered.run.id, triggered.run.status, triggered.run.branch) == ("r-17", "in_progress", "main")
    assert triggered.url == "https://ci.example.com/runs/r-17"
    assert all(call.request.headers["Authorization"] == "Bearer ci-secret" for call in responses.calls)


@pytest.mark.parametrize(
    ("state", "ours"),
    [("ok", ("completed", "success")), ("broken", ("completed", "failure")), ("busy", ("in_progress", None)),
     ("waiting", ("queued", None)), ("cancelled", ("completed", "cancelled"))],
)  # fmt: skip
@responses.activate
def test_the_status_map_turns_the_cis_statuses_into_ours(fake_time, state, ours):
    responses.get(f"{CI}/status/r-17", json=status_answer(state=state))
    run = custom(fake_time, ISSUE_CONFIG).get_run("r-17")
    assert (run.status, run.conclusion) == ours


@responses.activate
def test_a_status_the_map_does_not_know_says_to_map_it(fake_time):
    responses.get(f"{CI}/status/r-17", json=status_answer(state="exploded"))
    with pytest.raises(ProviderError) as caught:
        custom(fake_time, ISSUE_CONFIG).get_run("r-17")
    assert "'exploded'" in caught.value.message
    assert "status_map" in caught.value.hint


@responses.activate
def test_a_completed_status_reads_the_conclusion_from_its_own_field(fake_time):
    config = ISSUE_CONFIG | {"fields": {"id": "data.id", "status": "data.phase", "conclusion": "data.result"},
                             "status_map": {"done": "completed", "passed": "success"}}  # fmt: skip
    responses.get(f"{CI}/status/7", json={"data": {"id": 7, "phase": "done", "result": "passed"}})
    run = custom(fake_time, config).get_run("7")
    assert (run.id, run.status, run.conclusion) == ("7", "completed", "success")


@responses.activate
def test_a_completed_status_without_a_conclusion_says_where_to_find_one(fake_time):
    config = ISSUE_CONFIG | {"status_map": {"done": "completed"}}
    responses.get(f"{CI}/status/7", json=status_answer("7", state="done"))
    with pytest.raises(ProviderError) as caught:
        custom(fake_time, config).get_run("7")
    assert "fields.conclusion" in caught.value.hint


@responses.activate
def test_numeric_statuses_are_mapped_by_their_text(fake_time):
    config = ISSUE_CONFIG | {"status_map": {0: "success", 1: "failure"}}
    responses.get(f"{CI}/status/7", json={"data": {"id": 7, "state": 1}})
    assert custom(fake_time, config).get_run("7").conclusion == "failure"


@responses.activate
def test_jobs_are_read_from_the_status_answer_through_fields_jobs(fake_time):
    steps = [
        {"key": "s1", "title": "build", "state": "ok"},
        {"key": "s2", "title": "test", "state": "broken"},
    ]
    responses.get(f"{CI}/status/r-17", json=status_answer(steps=steps))
    run = custom(fake_time, ISSUE_CONFIG).get_run("r-17")
    assert [(job.id, job.name, job.status, job.conclusion) for job in run.jobs] == [
        ("s1", "build", "completed", "success"),
        ("s2", "test", "completed", "failure"),
    ]


def test_paths_reach_into_mappings_and_lists():
    assert dig({"data": {"items": [{"id": 3}]}}, "data.items.0.id") == 3
    assert dig({"data": {}}, "data.items.0.id") is None
    assert dig([1, 2], "") == [1, 2]


# -- configuration errors ------------------------------------------------------------------------------


def test_an_operation_without_its_endpoint_is_unsupported_naming_the_key_to_set(fake_time):
    provider = custom(fake_time, ISSUE_CONFIG)
    with responses.RequestsMock():
        with pytest.raises(UnsupportedOperation) as caught:
            provider.cancel("r-17")
        assert "cancel_url" in caught.value.message
        with pytest.raises(UnsupportedOperation, match="retry_failed_url"):
            provider.retry("r-17", failed_only=True)
        with pytest.raises(UnsupportedOperation, match="log_url"):
            provider.run_logs("r-17", Path("unused"))


def test_a_custom_ci_cannot_tell_whether_a_re_run_began_and_asks_nothing(fake_time):
    with (
        responses.RequestsMock(),  # any request would fail the test
        pytest.raises(UnsupportedOperation, match="tell whether a re-run began"),
    ):
        custom(fake_time, ISSUE_CONFIG).find_rerun("r-17", attempt=1, since=datetime.now(UTC))


def test_a_misspelt_setting_is_refused_naming_it(fake_time):
    with pytest.raises(ProviderError, match="stauts_url"):
        custom(fake_time, ISSUE_CONFIG | {"stauts_url": "x"})


@pytest.mark.parametrize(
    ("setting", "message"),
    [({"status_map": ["ok"]}, "status_map must be a mapping"), ({"cancel_url": 3}, "cancel_url must be"),
     ({"fields": {"identifier": "id"}}, "fields must map some of id")],
)  # fmt: skip
def test_a_setting_of_the_wrong_shape_is_refused_naming_it(fake_time, setting, message):
    with pytest.raises(ProviderError, match=message):
        custom(fake_time, ISSUE_CONFIG | setting)


def test_a_status_map_to_something_that_is_not_ours_is_refused(fake_time):
    with pytest.raises(ProviderError, match="ok: green"):
        custom(fake_time, ISSUE_CONFIG | {"status_map": {"ok": "green"}})


def test_a_placeholder_an_endpoint_cannot_fill_is_refused(fake_time):
    provider = custom(fake_time, ISSUE_CONFIG | {"cancel_url": f"{CI}/cancel/{{pipeline}}"})
    with responses.RequestsMock(), pytest.raises(ProviderError, match=r"\{pipeline\}"):
        provider.cancel("r-17")


def test_a_configuration_without_endpoints_says_which_to_set(fake_time):
    with pytest.raises(ProviderError) as caught:
        custom(fake_time, {"auth": {"type": "none"}})
    assert "status_url" in caught.value.hint


def test_a_token_is_never_sent_over_plain_http_to_another_host(fake_time):
    with pytest.raises(ProviderError, match="without TLS"):
        custom(fake_time, ISSUE_CONFIG | {"status_url": "http://ci.example.com/status/{run_id}"})


@responses.activate
def test_plain_http_to_localhost_is_accepted(fake_time):
    responses.get("http://127.0.0.1:8080/status/1", json=status_answer("1"))
    config = ISSUE_CONFIG | {"trigger_url": "http://127.0.0.1:8080/trigger",
                             "status_url": "http://127.0.0.1:8080/status/{run_id}"}  # fmt: skip
    assert custom(fake_time, config).get_run("1").id == "1"


@responses.activate
def test_dollar_variables_are_not_expanded_again(fake_time):
    responses.get(f"{CI}/status/1", json=status_answer("1"))
    config = ISSUE_CONFIG | {"auth": {"type": "bearer", "token": "pa$$${NOT_A_VARIABLE}"}}
    custom(fake_time, config).get_run("1")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer pa$$${NOT_A_VARIABLE}"


# -- authentication ------------------------------------------------------------------------------------


@responses.activate
def test_header_auth_sends_the_token_in_the_named_header(fake_time):
    responses.get(f"{CI}/status/1", json=status_answer("1"))
    config = ISSUE_CONFIG | {"auth": {"type": "header", "header": "X-Api-Key", "token": "k"}}
    custom(fake_time, config).get_run("1")
    headers = responses.calls[0].request.headers
    assert headers["X-Api-Key"] == "k"
    assert "Authorization" not in headers


@responses.activate
def test_basic_auth_sends_the_username_and_password(fake_time):
    responses.get(f"{CI}/status/1", json=status_answer("1"))
    config = ISSUE_CONFIG | {"auth": {"type": "basic", "username": "bot", "password": "pw"}}
    custom(fake_time, config).get_run("1")
    assert (
        responses.calls[0].request.headers["Authorization"] == "Basic " + base64.b64encode(b"bot:pw").decode()
    )


@responses.activate
def test_without_an_auth_block_orchestrate_ci_token_is_a_bearer_token(fake_time):
    responses.get(f"{CI}/status/1", json=status_answer("1"))
    config = {key: value for key, value in ISSUE_CONFIG.items() if key != "auth"}
    custom(fake_time, config, token="from-env").get_run("1")
    assert responses.calls[0].request.headers["Authorization"] == "Bearer from-env"


def test_bearer_auth_without_any_token_says_where_to_put_one(fake_time):
    with pytest.raises(ProviderError) as caught:
        custom(fake_time, ISSUE_CONFIG | {"auth": {"type": "bearer"}})
    assert "ORCHESTRATE_CI_TOKEN" in caught.value.hint


@responses.activate
def test_a_rejected_token_points_at_the_auth_setting(fake_time):
    responses.get(f"{CI}/status/1", status=401, json={"error": "bad token"})
    with pytest.raises(AuthenticationError) as caught:
        custom(fake_time, ISSUE_CONFIG).get_run("1")
    assert "ci.config.auth" in caught.value.hint


@responses.activate
def test_a_missing_run_is_not_found(fake_time):
    responses.get(f"{CI}/status/nope", status=404)
    with pytest.raises(NotFoundError, match="404"):
        custom(fake_time, ISSUE_CONFIG).get_run("nope")


# -- every other operation ------------------------------------------------------------------------------

FULL: dict[str, Any] = {
    "list_url": "/projects/{repo}/runs?branch={branch}",
    "trigger_url": "/projects/{repo}/runs",
    "status_url": "/runs/{run_id}",
    "jobs_url": "/runs/{run_id}/jobs",
    "log_url": "/jobs/{job_id}/log",
    "retry_url": "/runs/{run_id}/retry",
    "retry_failed_url": "/runs/{run_id}/retry?failed=1",
    "retry_job_url": "/runs/{run_id}/jobs/{job_id}/retry",
    "cancel_url": "/runs/{run_id}",
    "artifacts_url": "/runs/{run_id}/artifacts",
    "methods": {"cancel": "DELETE", "trigger": "PUT"},
    "trigger_body": {
        "branch": "{ref}",
        "pipeline": "{workflow}",
        "params": "{inputs}",
        "source": "orchestrate",
    },
    "items": {"runs": "runs", "jobs": "", "artifacts": "files"},
    "artifact_fields": {"name": "filename", "size": "bytes", "url": "href"},
    "auth": {"type": "bearer", "token": "t"},
}


@pytest.fixture
def full(fake_time: FakeTime) -> CustomProvider:
    return custom(fake_time, FULL, api_url=CI)


def run(run_id: str, status: str = "success", **extra: Any) -> dict:
    return {"id": run_id, "status": status, "branch": "main", "workflow": "ci"} | extra


@responses.activate
def test_list_runs_reads_every_linked_page_until_the_limit(full):
    nxt = {"Link": f'<{CI}/projects/web/app/runs?branch=main&page=2>; rel="next"'}
    responses.get(f"{CI}/projects/web/app/runs?branch=main", json={"runs": [run("3"), run("2")]}, headers=nxt)
    responses.get(f"{CI}/projects/web/app/runs?branch=main&page=2", json={"runs": [run("1"), run("0")]})
    assert [r.id for r in full.list_runs(branch="main", limit=3)] == ["3", "2", "1"]


@responses.activate
def test_list_runs_applies_the_filters_the_ci_ignores(full):
    listing = {"runs": [run("3", "in_progress"), run("2", workflow="nightly"), run("1")]}
    responses.get(f"{CI}/projects/web/app/runs?branch=", json=listing)
    assert [r.id for r in full.list_runs(status="completed", workflow="ci")] == ["1"]


@responses.activate
def test_trigger_sends_its_body_template_with_the_configured_method(full):
    responses.put(
        f"{CI}/projects/web/app/runs",
        json=run("9", "queued"),
        match=[matchers.json_params_matcher(
            {"branch": "main", "pipeline": "deploy", "params": {"level": "3"}, "source": "orchestrate"}
        )],
    )  # fmt: skip
    responses.get(f"{CI}/runs/9", json=run("9", "queued"))
    responses.get(f"{CI}/runs/9/jobs", json=[])
    triggered = full.trigger(workflow="deploy", ref="main", inputs={"level": "3"})
    assert triggered.run is not None
    assert triggered.run.id == "9"


@responses.activate
def test_a_trigger_answer_without_a_run_id_returns_no_run(full):
    responses.put(f"{CI}/projects/web/app/runs", status=204)
    triggered = full.trigger(workflow="deploy", ref="main")
    assert triggered.run is None
    assert "did not name the run" in triggered.message


@responses.activate
def test_get_run_reads_the_jobs_from_jobs_url(full):
    responses.get(f"{CI}/runs/9", json=run("9"))
    responses.get(f"{CI}/runs/9/jobs", json=[{"id": 1, "name": "build", "status": "failure"}])
    assert [(job.id, job.conclusion) for job in full.get_run("9").jobs] == [("1", "failure")]


@responses.activate
def test_ids_are_url_encoded_into_the_endpoints(full):
    responses.get(f"{CI}/jobs/a%2F..%2Fb/log", body="log")
    assert full.job_log("a/../b") == "log"


@responses.activate
def test_a_long_job_log_keeps_its_tail(full):
    responses.get(f"{CI}/jobs/1/log", body="noise\n" * 10_000 + "the failure\n")
    log = full.job_log("1", max_bytes=1000)
    assert log.endswith("the failure\n")
    assert len(log.encode()) < 1100


@responses.activate
def test_run_logs_writes_each_started_jobs_log(full, tmp_path: Path):
    responses.get(f"{CI}/runs/9/jobs", json=[{"id": 1, "name": "unit tests", "status": "success"},
                                             {"id": 2, "name": "deploy", "status": "queued"}])  # fmt: skip
    responses.get(f"{CI}/jobs/1/log", body="ok\n")
    written = full.run_logs("9", tmp_path)
    assert [path.name for path in written] == ["1-unit_tests.log"]


@pytest.mark.parametrize(
    ("options", "url"),
    [({}, f"{CI}/runs/9/retry"), ({"failed_only": True}, f"{CI}/runs/9/retry?failed=1"),
     ({"job_id": "4"}, f"{CI}/runs/9/jobs/4/retry")],
)  # fmt: skip
@responses.activate
def test_retry_posts_to_the_endpoint_for_the_whole_run_its_failed_jobs_or_one_job(full, options, url):
    responses.post(url, status=202)
    responses.get(f"{CI}/runs/9", json=run("9", "in_progress"))
    retried = full.retry("9", **options)
    assert retried is not None
    assert retried.status == "in_progress"
    assert responses.calls[0].request.url == url


@responses.activate
def test_cancel_uses_the_configured_method(full):
    responses.delete(f"{CI}/runs/9", status=204)
    full.cancel("9")
    assert responses.calls[0].request.method == "DELETE"


@responses.activate
def test_list_artifacts_maps_names_and_sizes(full):
    files = {"files": [{"id": "a1", "filename": "junit", "bytes": 120, "href": "/files/a1"}]}
    responses.get(f"{CI}/runs/9/artifacts", json=files)
    assert [(a.id, a.name, a.size, a.expired) for a in full.list_artifacts("9")] == [
        ("a1", "junit", 120, False)
    ]


@responses.activate
def test_a_zip_artifact_is_extracted_and_a_plain_one_saved(full, tmp_path: Path):
    cdn = "https://cdn.example.net/a2"
    files = {"files": [{"id": "a1", "filename": "junit", "href": "/files/a1"},
                       {"id": "a2", "filename": "report.html", "href": cdn}]}  # fmt: skip
    responses.get(f"{CI}/runs/9/artifacts", json=files)
    responses.get(f"{CI}/files/a1", body=zip_bytes({"TEST-a.xml": b"<testsuite/>"}))
    responses.get(cdn, body=b"<html/>")
    written = full.download_artifacts("9", tmp_path)
    assert (tmp_path / "junit" / "TEST-a.xml").read_bytes() == b"<testsuite/>"
    assert (tmp_path / "report.html").read_bytes() == b"<html/>"
    assert len(written) == 2
    cdn_calls = [call for call in responses.calls if "cdn.example.net" in call.request.url]
    assert "Authorization" not in cdn_calls[0].request.headers  # another host gets no credentials


@responses.activate
def test_one_artifact_is_downloaded_by_name_and_an_unknown_name_is_not_found(full, tmp_path: Path):
    files = {"files": [{"id": "a1", "filename": "junit", "href": "/files/a1"},
                       {"id": "a2", "filename": "coverage", "href": "/files/a2"}]}  # fmt: skip
    responses.get(f"{CI}/runs/9/artifacts", json=files)
    responses.get(f"{CI}/files/a2", body=b"cov")
    full.download_artifacts("9", tmp_path, name="coverage")
    assert (tmp_path / "coverage").read_bytes() == b"cov"
    assert not (tmp_path / "junit").exists()
    with pytest.raises(NotFoundError):
        full.download_artifacts("9", tmp_path, name="lint")


@responses.activate
def test_a_zip_artifact_that_escapes_its_directory_is_refused(full, tmp_path: Path):
    responses.get(
        f"{CI}/runs/9/artifacts", json={"files": [{"id": "a1", "filename": "junit", "href": "/files/a1"}]}
    )
    responses.get(f"{CI}/files/a1", body=zip_bytes({"../../evil.txt": b"x"}))
    with pytest.raises(UnsafeArchiveError):
        full.download_artifacts("9", tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_a_relative_endpoint_needs_an_api_url(fake_time):
    with pytest.raises(ProviderError, match="api_url"):
        custom(fake_time, {"status_url": "/runs/{run_id}"})


# -- through `orchestrate ci`, configured in .orchestrate.yml --------------------------------------------


@responses.activate
def test_orchestrate_ci_reads_the_custom_ci_from_the_file_with_its_token_expanded_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".orchestrate.yml").write_text(
        "ci:\n  provider: custom\n  repo: web/app\n  config:\n"
        "    status_url: https://ci.example.com/api/status/{run_id}\n"
        "    auth: {type: bearer, token: '${CI_TOKEN}'}\n"
        "    fields: {id: data.id, status: data.state}\n"
        "    status_map: {ok: success}\n"
    )
    monkeypatch.chdir(tmp_path)
    responses.get(f"{CI}/status/r-17", json=status_answer(state="ok"))
    time = FakeTime()
    status = main(
        ["ci", "status", "r-17", "--exit-status"], {"CI_TOKEN": "a$${B}"}, sleep=time.sleep, clock=time.clock
    )
    assert status is ExitStatus.OK
    assert responses.calls[0].request.headers["Authorization"] == "Bearer a$${B}"
    assert "r-17" in capsys.readouterr().out
