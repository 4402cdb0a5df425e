"""The action's entrypoint end to end, in-process: inputs in, ``orchestrate report`` run, outputs out.

No hub is configured, so the report is parsed and summarised and the upload is skipped (fail-open); the
hub round trip is covered by the CLI's own tests. A temporary directory stands in for /github/workspace.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agent.action import main
from agent.cli import ExitStatus


@pytest.fixture
def workspace(tmp_path: Path, surefire_report: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "github-workspace"
    (root / "build" / "test-results").mkdir(parents=True)
    shutil.copy(surefire_report, root / "build" / "test-results" / surefire_report.name)
    monkeypatch.chdir(tmp_path)  # main() moves into the working directory; this puts the test's back
    return root


@pytest.fixture
def env(github_run: dict[str, str], workspace: Path, tmp_path: Path) -> dict[str, str]:
    commands = tmp_path / "file_commands"
    commands.mkdir()
    return {
        **github_run,
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(commands / "set_output"),
        "GITHUB_STEP_SUMMARY": str(commands / "step_summary"),
    }


def outputs(env: dict[str, str]) -> dict[str, str]:
    lines = Path(env["GITHUB_OUTPUT"]).read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and "<<" not in line)


def test_it_reports_the_files_an_absolute_host_path_names_and_sets_the_outputs(
    env: dict[str, str], workspace: Path
) -> None:
    env["INPUT_JUNIT"] = "/home/runner/work/shop/shop/build/test-results/*.xml"

    status = main(env, container_workspace=workspace)

    assert status == ExitStatus.OK
    assert int(outputs(env)["tests"]) > 0


FAILING_REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="shop.CartTest" tests="2" failures="1">
  <testcase classname="shop.CartTest" name="adds_an_item" time="0.01"/>
  <testcase classname="shop.CartTest" name="applies_a_coupon" time="0.02">
    <failure message="expected 90 but was 100" type="AssertionError">AssertionError: expected 90</failure>
  </testcase>
</testsuite>
"""


@pytest.mark.parametrize(
    ("policy", "expected"), [("never", ExitStatus.OK), ("failures", ExitStatus.TESTS_FAILED)]
)
def test_a_failed_test_fails_the_step_only_when_fail_on_asks(
    env: dict[str, str], workspace: Path, policy: str, expected: ExitStatus
) -> None:
    (workspace / "build" / "TEST-shop.CartTest.xml").write_text(FAILING_REPORT, encoding="utf-8")
    env["INPUT_JUNIT"] = "build/TEST-shop.CartTest.xml"
    env["INPUT_FAIL-ON"] = policy

    assert main(env, container_workspace=workspace) == expected
    assert outputs(env)["failed"] == "1"


def test_it_annotates_a_pattern_the_container_cannot_see_and_goes_on(
    env: dict[str, str], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env["INPUT_JUNIT"] = "build/**/*.xml\n/home/runner/work/_temp/junit/*.xml"

    status = main(env, container_workspace=workspace)

    assert status == ExitStatus.OK
    assert "::error title=Orchestrate action::input junit: /home/runner/work/_temp/junit/*.xml" in (
        capsys.readouterr().out
    )


def test_a_pattern_the_container_cannot_see_fails_a_strict_step(env: dict[str, str], workspace: Path) -> None:
    env["INPUT_JUNIT"] = "build/**/*.xml\n/home/runner/work/_temp/junit/*.xml"
    env["INPUT_STRICT"] = "true"

    assert main(env, container_workspace=workspace) == ExitStatus.USAGE


def test_an_unusable_input_is_an_error_annotation_and_a_usage_status(
    env: dict[str, str], workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env["INPUT_JUNIT"] = "build/**/*.xml"
    env["INPUT_FAIL-ON"] = "sometimes"

    status = main(env, container_workspace=workspace)

    assert status == ExitStatus.USAGE
    assert capsys.readouterr().out.startswith("::error title=Orchestrate action::input fail-on: 'sometimes'")
