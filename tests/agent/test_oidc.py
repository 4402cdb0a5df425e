"""The agent's tokenless upload: getting the CI's OIDC ID token (GitHub asks for it, GitLab and CircleCI
put it in a variable), when it is used instead of an agent token, and what it says when there is none.

GitHub's token service is faked at the HTTP boundary with ``responses``; the hub is the scripted FakeHub.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from agent.cli import ExitStatus, main
from agent.oidc import IdTokenUnavailable, id_token
from tests.agent.test_cli_report import REPORT, github_env
from tests.agent.test_hub_client import FakeHub, Sleeps, accepted, serve_hubs

REQUEST_URL = (
    "https://pipelinesghubeus2.actions.githubusercontent.com/Xy12/_apis/distributedtask/hubs/Actions"
    "/plans/1b2c/jobs/3d4e/idtoken?api-version=2.0"
)
JWT = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2V4YW1wbGUifQ.c2lnbmF0dXJl"
GITHUB_JWT = JWT.replace("c2lnbmF0dXJl", "Z2l0aHVi")
VAR = "ORCHESTRATE_ID_TOKEN"


@pytest.fixture
def fake_hub() -> Iterator[Callable[..., FakeHub]]:
    yield from serve_hubs()


@pytest.fixture
def token_service() -> Iterator[list[dict[str, str]]]:
    """GitHub's ID token service: records each request's audience and bearer, answers with GITHUB_JWT."""
    requests_seen: list[dict[str, str]] = []

    def mint(request):
        requests_seen.append(
            {
                "audience": parse_qs(urlsplit(request.url).query)["audience"][0],
                "api_version": parse_qs(urlsplit(request.url).query)["api-version"][0],
                "authorization": request.headers["Authorization"],
            }
        )
        return 200, {"Content-Type": "application/json"}, json.dumps({"count": 1, "value": GITHUB_JWT})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://127.0.0.1")
        mock.add_callback(responses.GET, REQUEST_URL.split("?")[0], callback=mint)
        yield requests_seen


def minting(**extra: str) -> dict[str, str]:
    return {
        "ACTIONS_ID_TOKEN_REQUEST_URL": REQUEST_URL,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "req-token",
        **extra,
    }


def tokenless_github_env(workdir: Path, **extra: str) -> dict[str, str]:
    env = github_env(workdir, **extra)
    env.pop("ORCHESTRATE_TOKEN", None)
    return env


def gitlab_env(workdir: Path, **extra: str) -> dict[str, str]:
    return {
        "GITLAB_CI": "true",
        "CI_SERVER_URL": "https://gitlab.com",
        "CI_PROJECT_PATH": "globex/gadgets",
        "CI_PIPELINE_ID": "574",
        "CI_JOB_NAME": "test",
        "CI_COMMIT_SHA": "a" * 40,
        "ORCHESTRATE_SPOOL_DIR": str(workdir / "spool"),
        **extra,
    }


def circleci_env(workdir: Path, **extra: str) -> dict[str, str]:
    return {
        "CIRCLECI": "true",
        "CIRCLE_PROJECT_USERNAME": "octo",
        "CIRCLE_PROJECT_REPONAME": "gizmos",
        "CIRCLE_WORKFLOW_ID": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e",
        "CIRCLE_SHA1": "a" * 40,
        "CIRCLE_JOB": "test",
        "ORCHESTRATE_SPOOL_DIR": str(workdir / "spool"),
        **extra,
    }


def report(tmp_path: Path, env: dict[str, str], *argv: str) -> ExitStatus:
    (tmp_path / "TEST-a.xml").write_text(REPORT)
    return main(["report", "--junit", str(tmp_path / "TEST-a.xml"), *argv], env, sleep=Sleeps())


# Getting the token -----------------------------------------------------------------------------------


def test_on_github_it_asks_the_token_service_for_the_audience_with_the_request_token(token_service):
    token = id_token(minting(GITHUB_ACTIONS="true"), audience="https://hub.example", variable=VAR, timeout=5)
    assert token == GITHUB_JWT
    assert token_service == [
        {"audience": "https://hub.example", "api_version": "2.0", "authorization": "bearer req-token"}
    ]


def test_on_github_without_id_token_permission_it_says_to_add_it():
    with pytest.raises(IdTokenUnavailable, match=r"permissions: id-token: write"):
        id_token(
            {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push"}, audience="a", variable=VAR, timeout=5
        )


def test_on_a_pull_request_from_a_fork_it_says_forks_get_no_token_and_where_the_fallback_is(tmp_path):
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {"number": 7, "pull_request": {"head": {"repo": {"full_name": "mallory/app", "fork": True}}}}
        )
    )
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_EVENT_PATH": str(event),
    }
    with pytest.raises(IdTokenUnavailable, match=r"fork.*docs/oidc\.md"):
        id_token(env, audience="a", variable=VAR, timeout=5)


def test_a_refusal_from_github_s_token_service_is_explained():
    with responses.RequestsMock() as mock:
        mock.get(REQUEST_URL.split("?")[0], status=403, json={"message": "forbidden"})
        with pytest.raises(IdTokenUnavailable, match="HTTP 403"):
            id_token(minting(GITHUB_ACTIONS="true"), audience="a", variable=VAR, timeout=5)


def test_on_gitlab_it_reads_the_id_tokens_variable():
    env = {"GITLAB_CI": "true", VAR: JWT}
    assert id_token(env, audience="a", variable=VAR, timeout=5) == JWT


def test_on_gitlab_the_variable_name_is_configurable():
    env = {"GITLAB_CI": "true", "HUB_ID_TOKEN": JWT}
    assert id_token(env, audience="a", variable="HUB_ID_TOKEN", timeout=5) == JWT


def test_on_gitlab_without_the_variable_it_shows_the_id_tokens_to_declare():
    with pytest.raises(
        IdTokenUnavailable, match=r"id_tokens: \{ORCHESTRATE_ID_TOKEN: \{aud: https://hub\}\}"
    ):
        id_token({"GITLAB_CI": "true"}, audience="https://hub", variable=VAR, timeout=5)


def test_on_circleci_it_uses_the_v2_token():
    env = {"CIRCLECI": "true", "CIRCLE_OIDC_TOKEN": "old", "CIRCLE_OIDC_TOKEN_V2": JWT}
    assert id_token(env, audience="a", variable=VAR, timeout=5) == JWT


def test_on_a_circleci_fork_build_without_a_token_it_says_why():
    with pytest.raises(IdTokenUnavailable, match="fork"):
        id_token({"CIRCLECI": "true", "CIRCLE_PR_NUMBER": "7"}, audience="a", variable=VAR, timeout=5)


def test_a_value_that_is_not_a_jwt_is_not_sent():
    with pytest.raises(IdTokenUnavailable, match="not a JWT"):
        id_token({"GITLAB_CI": "true", VAR: "secret-but-not-a-jwt"}, audience="a", variable=VAR, timeout=5)


# When it is used -------------------------------------------------------------------------------------


def test_without_an_agent_token_the_report_is_uploaded_with_the_id_token(tmp_path, fake_hub):
    hub = fake_hub(accepted())
    env = gitlab_env(tmp_path, ORCHESTRATE_HUB_URL=hub.url, **{VAR: JWT})
    assert report(tmp_path, env, "--strict") is ExitStatus.OK
    (sent,) = hub.received
    assert sent.headers["Authorization"] == f"Bearer {JWT}"


def test_an_agent_token_is_preferred_when_both_are_there(tmp_path, fake_hub):
    hub = fake_hub(accepted())
    env = circleci_env(
        tmp_path, ORCHESTRATE_HUB_URL=hub.url, ORCHESTRATE_TOKEN="orch_a_x", CIRCLE_OIDC_TOKEN_V2=JWT
    )
    report(tmp_path, env)
    assert hub.received[0].headers["Authorization"] == "Bearer orch_a_x"


def test_auth_oidc_uses_the_id_token_even_with_an_agent_token(tmp_path, fake_hub):
    hub = fake_hub(accepted())
    env = circleci_env(
        tmp_path, ORCHESTRATE_HUB_URL=hub.url, ORCHESTRATE_TOKEN="orch_a_x", CIRCLE_OIDC_TOKEN_V2=JWT
    )
    report(tmp_path, env, "--auth", "oidc")
    assert hub.received[0].headers["Authorization"] == f"Bearer {JWT}"


def test_auth_token_never_uses_the_id_token(tmp_path, fake_hub, capsys):
    hub = fake_hub(accepted())
    env = circleci_env(
        tmp_path, ORCHESTRATE_HUB_URL=hub.url, ORCHESTRATE_AUTH="token", CIRCLE_OIDC_TOKEN_V2=JWT
    )
    report(tmp_path, env)
    assert hub.received == []
    assert "no token" in capsys.readouterr().err


def test_the_audience_is_the_hub_url_unless_one_is_configured(tmp_path, fake_hub, token_service):
    hub = fake_hub(accepted(), accepted())
    env = tokenless_github_env(tmp_path, ORCHESTRATE_HUB_URL=hub.url, **minting())
    report(tmp_path, env)
    report(tmp_path, {**env, "ORCHESTRATE_OIDC_AUDIENCE": "orchestrate-acme"})
    assert [seen["audience"] for seen in token_service] == [hub.url, "orchestrate-acme"]
    assert hub.received[0].headers["Authorization"] == f"Bearer {GITHUB_JWT}"


def test_on_github_the_id_token_is_masked_before_anything_is_printed(
    tmp_path, fake_hub, token_service, capsys
):
    hub = fake_hub(accepted())
    report(tmp_path, tokenless_github_env(tmp_path, ORCHESTRATE_HUB_URL=hub.url, **minting()))
    assert capsys.readouterr().out.splitlines()[0] == f"::add-mask::{GITHUB_JWT}"


def test_without_any_token_the_report_is_kept_and_the_reason_printed_but_the_build_passes(tmp_path, capsys):
    env = tokenless_github_env(tmp_path, ORCHESTRATE_HUB_URL="http://127.0.0.1:9")
    assert report(tmp_path, env) is ExitStatus.OK
    output = capsys.readouterr()
    assert "id-token: write" in output.out + output.err
    assert any((tmp_path / "spool").glob("*.json.gz"))


def test_with_strict_a_missing_token_fails_the_step(tmp_path):
    env = gitlab_env(tmp_path, ORCHESTRATE_HUB_URL="http://127.0.0.1:9")
    assert report(tmp_path, env, "--strict") is ExitStatus.USAGE


def test_upload_without_any_token_says_why_there_is_no_id_token(tmp_path, capsys):
    saved = tmp_path / "report-1.json.gz"
    saved.write_bytes(b"x")
    env = gitlab_env(tmp_path, ORCHESTRATE_HUB_URL="http://127.0.0.1:9")
    assert main(["upload", str(saved)], env) is ExitStatus.USAGE
    assert "id_tokens" in capsys.readouterr().err


def test_an_unknown_auth_mode_is_a_usage_error(tmp_path, capsys):
    env = gitlab_env(tmp_path, ORCHESTRATE_AUTH="magic")
    assert report(tmp_path, env) is ExitStatus.USAGE
    assert "ORCHESTRATE_AUTH" in capsys.readouterr().err
