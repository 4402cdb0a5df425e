"""``Settings.from_env``: the agent's environment variables, read in one place and checked loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.settings import DEFAULT_RETRIES, DEFAULT_TIMEOUT, Settings, SettingsError


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = Settings.from_env({})
    assert (settings.hub_url, settings.token) == (None, None)
    assert (settings.timeout, settings.retries) == (DEFAULT_TIMEOUT, DEFAULT_RETRIES)
    assert settings.github_actions is False


def test_it_reads_the_hub_url_without_a_trailing_slash() -> None:
    assert (
        Settings.from_env({"ORCHESTRATE_HUB_URL": "https://hub.example.com/"}).hub_url
        == "https://hub.example.com"
    )


def test_it_reads_the_token_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "token").write_text("orch_a_from_file\n")
    settings = Settings.from_env({"ORCHESTRATE_TOKEN_FILE": str(tmp_path / "token")})
    assert settings.token == "orch_a_from_file"


def test_the_token_variable_wins_over_the_file(tmp_path: Path) -> None:
    env = {"ORCHESTRATE_TOKEN": "direct", "ORCHESTRATE_TOKEN_FILE": str(tmp_path / "missing")}
    assert Settings.from_env(env).token == "direct"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORCHESTRATE_HUB_URL", "hub.example.com"),
        ("ORCHESTRATE_TIMEOUT", "soon"),
        ("ORCHESTRATE_TIMEOUT", "0"),
        ("ORCHESTRATE_RETRIES", "-1"),
        ("ORCHESTRATE_TOKEN_FILE", "/nonexistent/token"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_on_github_it_finds_the_summary_and_output_files() -> None:
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": "/gh/summary", "GITHUB_OUTPUT": "/gh/output"}
    settings = Settings.from_env(env)
    assert settings.github_actions is True
    assert (settings.step_summary, settings.github_output) == (Path("/gh/summary"), Path("/gh/output"))


def test_off_github_the_summary_file_is_ignored() -> None:
    assert Settings.from_env({"GITHUB_STEP_SUMMARY": "/gh/summary"}).step_summary is None


def test_the_api_token_of_ci_fix_is_apart_from_the_agent_token(tmp_path: Path) -> None:
    (tmp_path / "api-token").write_text("orch_u_abc.secret\n")

    settings = Settings.from_env(
        {"ORCHESTRATE_TOKEN": "orch_a_x", "ORCHESTRATE_API_TOKEN_FILE": str(tmp_path / "api-token")}
    )

    assert (settings.token, settings.api_token) == ("orch_a_x", "orch_u_abc.secret")


def test_the_fix_job_a_push_answers_comes_from_the_environment() -> None:
    assert Settings.from_env({"ORCHESTRATE_FIX_JOB": " 17 "}).fix_job == "17"
    assert Settings.from_env({}).fix_job is None
