"""``orchestrate ci`` with the other providers, through configuration only: inside a GitLab job with its
``CI_JOB_TOKEN``, and a custom CI described in ``.orchestrate.yml`` with a ``${VAR}`` token. The APIs are
faked at the HTTP boundary (GitLab with gitlab4j's bodies from the shared corpus, read in place)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import responses

from agent.cli import ExitStatus, main
from tests.agent.ci_github import FakeTime

GITLAB_CORPUS = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "api" / "gitlab" / "gitlab4j"
)
GITLAB_API = "https://gitlab.example.com/api/v4"
PROJECT = f"{GITLAB_API}/projects/group%2Fsub%2Fapp"
GITLAB_JOB = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.example.com",
    "CI_API_V4_URL": GITLAB_API,
    "CI_PROJECT_PATH": "group/sub/app",
    "CI_PIPELINE_ID": "46",
    "CI_COMMIT_REF_NAME": "main",
    "CI_JOB_TOKEN": "job-token-value",
}
CUSTOM_YML = """\
ci:
  provider: custom
  repo: web/app
  config:
    status_url: https://ci.example.com/api/status/{run_id}
    auth: {type: bearer, token: "${CI_TOKEN}"}
    fields: {id: data.id, status: data.state}
    status_map: {ok: success, broken: failure, busy: in_progress}
"""


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture(autouse=True)
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def gitlab_body(name: str, **changes: Any) -> dict[str, Any]:
    if not GITLAB_CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {GITLAB_CORPUS.resolve()})")
    return {**json.loads((GITLAB_CORPUS / name).read_text("utf-8")), **changes}


def ci(*argv: str, env: dict[str, str]) -> ExitStatus:
    time = FakeTime()
    return main(["ci", *argv], env, sleep=time.sleep, clock=time.clock)


def test_inside_a_gitlab_job_status_shows_the_current_pipeline(
    api: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    api.get(f"{PROJECT}/pipelines/46", json=gitlab_body("pipeline.json", status="failed"))
    api.get(f"{PROJECT}/pipelines/46/jobs", json=[gitlab_body("job.json")])
    api.get(f"{PROJECT}/pipelines/46/bridges", json=[])

    assert (
        ci("status", "--exit-status", env={**GITLAB_JOB, "GITLAB_TOKEN": "glpat-x"}) is ExitStatus.RUN_FAILED
    )

    assert api.calls[0].request.headers["PRIVATE-TOKEN"] == "glpat-x"
    out = capsys.readouterr().out
    assert out.startswith("run 46: failure\n")
    assert "teaspoon" in out


def test_with_only_the_job_token_trigger_goes_through_the_pipeline_trigger_api(
    api: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post(f"{PROJECT}/trigger/pipeline", status=201, json=gitlab_body("pipeline.json", status="created"))

    assert ci("trigger", "-f", "DEPLOY=staging", env=GITLAB_JOB) is ExitStatus.OK

    form = api.calls[0].request.body
    assert "token=job-token-value" in form
    assert "ref=main" in form  # the current branch
    assert "variables%5BDEPLOY%5D=staging" in form
    assert capsys.readouterr().out.splitlines()[0].startswith("started pipeline 46 on main")


def test_a_refused_job_token_exits_4_and_says_to_set_gitlab_token(
    api: responses.RequestsMock, capsys: pytest.CaptureFixture[str]
) -> None:
    api.post(f"{PROJECT}/pipelines/46/cancel", status=403, json={"message": "403 Forbidden"})

    assert ci("cancel", env=GITLAB_JOB) is ExitStatus.AUTH_REQUIRED

    err = capsys.readouterr().err
    assert "CI_JOB_TOKEN" in err
    assert "set GITLAB_TOKEN" in err
    assert "job-token-value" not in err


def test_a_custom_ci_from_the_file_gets_its_expanded_token(
    api: responses.RequestsMock, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (elsewhere / ".orchestrate.yml").write_text(CUSTOM_YML)
    api.get("https://ci.example.com/api/status/42", json={"data": {"id": 42, "state": "broken"}})

    assert ci("wait", "42", env={"CI_TOKEN": "s3cret"}) is ExitStatus.RUN_FAILED

    assert api.calls[0].request.headers["Authorization"] == "Bearer s3cret"
    assert "run 42 failure" in capsys.readouterr().err


def test_what_a_custom_ci_cannot_do_is_said_and_exits_1(
    api: responses.RequestsMock, elsewhere: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (elsewhere / ".orchestrate.yml").write_text(CUSTOM_YML)

    assert ci("cancel", "42", env={"CI_TOKEN": "s3cret"}) is ExitStatus.RUN_FAILED

    err = capsys.readouterr().err
    assert "error: custom cannot cancel a run" in err
    assert "cancel_url" in err
    assert len(api.calls) == 0
