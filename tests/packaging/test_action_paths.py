"""Absolute paths in a Docker action: the container sees the workspace at /github/workspace only.

Each test stands a temporary directory in for /github/workspace and passes it as the container workspace,
with GITHUB_WORKSPACE set to it as the runner does inside the container. The host workspace of these tests
is /home/runner/work/shop/shop (RUNNER_WORKSPACE /home/runner/work/shop, repository acme/shop).
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from agent.action import InputError, PathTranslator, build_command

HOST = "/home/runner/work/shop/shop"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "github-workspace"
    (root / "build" / "test-results").mkdir(parents=True)
    return root


@pytest.fixture
def env(workspace: Path) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "RUNNER_WORKSPACE": "/home/runner/work/shop",
        "GITHUB_REPOSITORY": "acme/shop",
    }


def patterns(env: dict[str, str], workspace: Path) -> list[str]:
    return [
        arg.removeprefix("--junit=") for arg in build_command(env, container_workspace=workspace).argv[1:]
    ]


def test_it_moves_a_path_under_the_host_workspace_into_the_container_workspace(
    env: dict[str, str], workspace: Path
) -> None:
    env["INPUT_JUNIT"] = f"{HOST}/build/test-results/*.xml"

    assert patterns(env, workspace) == [f"{workspace}/build/test-results/*.xml"]


def test_it_moves_an_absolute_exclude_and_keeps_its_bang(env: dict[str, str], workspace: Path) -> None:
    env["INPUT_JUNIT"] = f"build/**/*.xml\n!{HOST}/build/test-results/TEST-Slow.xml"

    assert patterns(env, workspace) == ["build/**/*.xml", f"!{workspace}/build/test-results/TEST-Slow.xml"]


def test_it_keeps_paths_the_runner_already_moved_into_the_container(
    env: dict[str, str], workspace: Path
) -> None:
    env["INPUT_JUNIT"] = f"{workspace}/build/test-results/*.xml"

    assert patterns(env, workspace) == [f"{workspace}/build/test-results/*.xml"]


def test_it_finds_a_path_from_another_host_layout_by_the_tail_that_exists_in_the_workspace(
    workspace: Path,
) -> None:
    translator = PathTranslator(container_workspace=workspace, host_workspace=None)

    assert translator.translate("/srv/runner/_work/shop/shop/build/test-results/*.xml") == (
        f"{workspace}/build/test-results/*.xml"
    )


def test_it_does_not_match_a_lone_file_name_that_happens_to_exist_in_the_workspace(workspace: Path) -> None:
    (workspace / "junit.xml").write_text("<testsuite/>")
    translator = PathTranslator(container_workspace=workspace, host_workspace=PurePosixPath(HOST))

    with pytest.raises(InputError, match="outside the workspace"):
        translator.translate("/tmp/junit.xml")


def test_it_drops_a_pattern_outside_the_workspace_and_explains_the_composite_variant(
    env: dict[str, str], workspace: Path
) -> None:
    env["INPUT_JUNIT"] = "build/**/*.xml\n/home/runner/work/_temp/results/*.xml"

    command = build_command(env, container_workspace=workspace)

    assert command.argv == ["report", "--junit=build/**/*.xml"]
    assert command.dropped == [
        "input junit: /home/runner/work/_temp/results/*.xml: this path is outside the workspace; a Docker "
        "action only sees files under the workspace (mounted at /github/workspace); write the reports inside "
        "$GITHUB_WORKSPACE, or use the composite variant (uses: OWNER/orchestrate/composite@v1), which runs "
        "on the host and reads any path"
    ]


def test_it_fails_when_no_junit_pattern_is_visible_in_the_container(
    env: dict[str, str], workspace: Path
) -> None:
    env["INPUT_JUNIT"] = "/opt/results/*.xml"

    with pytest.raises(InputError, match=r"input junit: no usable pattern \(input junit: /opt/results"):
        build_command(env, container_workspace=workspace)


def test_it_translates_an_absolute_working_directory(env: dict[str, str], workspace: Path) -> None:
    env["INPUT_JUNIT"] = "*.xml"
    env["INPUT_WORKING-DIRECTORY"] = f"{HOST}/build"

    assert build_command(env, container_workspace=workspace).workdir == workspace / "build"


def test_it_translates_nothing_outside_the_container(
    env: dict[str, str], workspace: Path, tmp_path: Path
) -> None:
    env["GITHUB_WORKSPACE"] = str(tmp_path)
    env["INPUT_JUNIT"] = "/opt/results/*.xml"

    assert build_command(env, container_workspace=workspace).argv == ["report", "--junit=/opt/results/*.xml"]
