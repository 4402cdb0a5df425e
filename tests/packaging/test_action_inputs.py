"""How the action's inputs become one ``orchestrate report`` command (agent/action.py).

The runner passes input ``hub-url`` as ``INPUT_HUB-URL``; the composite variant as ``INPUT_HUB_URL``.
These tests run outside any container: GITHUB_WORKSPACE is a temporary directory that is not the container
workspace, so no path is translated (tests/packaging/test_action_paths.py covers that).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.action import InputError, build_command


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path), "INPUT_JUNIT": "reports/*.xml"}


def test_it_reads_hyphenated_inputs_the_way_the_runner_passes_them(env: dict[str, str]) -> None:
    env["INPUT_HUB-URL"] = "https://hub.example"

    assert build_command(env).argv[-1] == "--hub=https://hub.example"


def test_it_reads_the_underscored_spelling_the_composite_step_passes(env: dict[str, str]) -> None:
    env["INPUT_JOB_NAME"] = "unit (3.12)"

    assert build_command(env).argv[-1] == "--job-name=unit (3.12)"


def test_it_passes_each_line_of_a_multi_line_input_as_its_own_pattern(env: dict[str, str]) -> None:
    env["INPUT_JUNIT"] = "\n  build/test-results/**/*.xml\n\n  !build/test-results/**/TEST-Ignored.xml \n"

    assert build_command(env).argv == [
        "report",
        "--junit=build/test-results/**/*.xml",
        "--junit=!build/test-results/**/TEST-Ignored.xml",
    ]


def test_it_maps_coverage_and_artifacts_to_their_flags(env: dict[str, str]) -> None:
    env["INPUT_COVERAGE"] = "coverage.xml"
    env["INPUT_ARTIFACTS"] = "logs/*.log\nscreens/*.png"

    argv = build_command(env).argv

    assert argv[2:] == ["--coverage=coverage.xml", "--artifact=logs/*.log", "--artifact=screens/*.png"]


def test_it_hands_the_token_over_in_the_environment_never_on_the_command_line(env: dict[str, str]) -> None:
    env["INPUT_TOKEN"] = "orch_secret"

    command = build_command(env)

    assert command.env == {"ORCHESTRATE_TOKEN": "orch_secret"}
    assert "orch_secret" not in command.argv


def test_it_hands_the_github_token_over_as_github_token_for_the_job_name_lookup(env: dict[str, str]) -> None:
    env["INPUT_GITHUB-TOKEN"] = "ghs_job_token"

    command = build_command(env)

    assert command.env == {"GITHUB_TOKEN": "ghs_job_token"}
    assert "ghs_job_token" not in " ".join(command.argv)


def test_it_leaves_out_inputs_left_empty(env: dict[str, str]) -> None:
    env.update({"INPUT_HUB-URL": "", "INPUT_PROJECT": "  ", "INPUT_FAIL-ON": "", "INPUT_STRICT": "false"})

    assert build_command(env).argv == ["report", "--junit=reports/*.xml"]


def test_it_keeps_a_value_that_starts_with_a_dash_from_reading_as_a_flag(env: dict[str, str]) -> None:
    env["INPUT_JUNIT"] = "-odd-name.xml"

    assert build_command(env).argv == ["report", "--junit=-odd-name.xml"]


@pytest.mark.parametrize("policy", ["never", "failures", "errors", "unquarantined"])
def test_it_passes_each_fail_on_policy(env: dict[str, str], policy: str) -> None:
    env["INPUT_FAIL-ON"] = policy

    assert build_command(env).argv[-1] == f"--fail-on={policy}"


def test_it_rejects_an_unknown_fail_on_policy_naming_the_input(env: dict[str, str]) -> None:
    env["INPUT_FAIL-ON"] = "test failures"

    with pytest.raises(InputError, match=r"input fail-on: 'test failures' is not one of never, failures"):
        build_command(env)


@pytest.mark.parametrize("word", ["true", "True", "TRUE"])
def test_it_adds_the_strict_flag_for_a_true_input(env: dict[str, str], word: str) -> None:
    env["INPUT_STRICT"] = word

    assert build_command(env).argv[-1] == "--strict"


def test_it_rejects_a_strict_value_that_is_not_a_boolean(env: dict[str, str]) -> None:
    env["INPUT_STRICT"] = "yes please"

    with pytest.raises(InputError, match="input strict: 'yes please' is not a boolean"):
        build_command(env)


def test_it_refuses_to_run_without_a_junit_pattern(env: dict[str, str]) -> None:
    env["INPUT_JUNIT"] = "\n \n"

    with pytest.raises(InputError, match="input junit: no usable pattern"):
        build_command(env)


def test_it_runs_in_the_workspace_by_default(env: dict[str, str], tmp_path: Path) -> None:
    assert build_command(env).workdir == tmp_path


def test_it_runs_in_the_working_directory_relative_to_the_workspace(
    env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "services" / "api").mkdir(parents=True)
    env["INPUT_WORKING-DIRECTORY"] = "services/api"

    assert build_command(env).workdir == tmp_path / "services" / "api"


def test_it_rejects_a_working_directory_that_does_not_exist(env: dict[str, str]) -> None:
    env["INPUT_WORKING-DIRECTORY"] = "nowhere"

    with pytest.raises(InputError, match="input working-directory: 'nowhere' is not a directory"):
        build_command(env)
