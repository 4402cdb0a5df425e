"""Packaging promises of the two GitHub Actions (action.yml and composite/action.yml), as tests.

Both files must parse, offer the same inputs and outputs, use every input (the Docker action through
agent/action.py, the composite one by passing each to that module in its step's environment), never paste
an input into shell text, and name the agent version they run.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import agent
from agent.action import INPUTS
from tests.packaging.locations import REPO

DOCKER = REPO / "action.yml"
COMPOSITE = REPO / "composite" / "action.yml"
OUTPUTS = ["tests", "passed", "failed", "errors", "skipped", "flaky", "report-url"]
VERSION_SUFFIX = re.compile(r"\(agent (?P<version>[^)\s]+)\)$")


def load(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def composite_step(step_id: str) -> dict[str, Any]:
    return next(step for step in load(COMPOSITE)["runs"]["steps"] if step.get("id") == step_id)


@pytest.mark.parametrize("path", [DOCKER, COMPOSITE], ids=["docker", "composite"])
def test_the_action_has_the_metadata_the_marketplace_needs(path: Path) -> None:
    action = load(path)

    assert action["name"]
    assert action["description"]
    assert set(action["branding"]) == {"icon", "color"}


@pytest.mark.parametrize("path", [DOCKER, COMPOSITE], ids=["docker", "composite"])
def test_the_action_names_the_agent_version_it_runs(path: Path) -> None:
    match = VERSION_SUFFIX.search(load(path)["description"])

    assert match, "the description should end with (agent X.Y.Z)"
    assert match["version"] == agent.__version__


def test_the_docker_action_builds_the_repository_dockerfile() -> None:
    assert load(DOCKER)["runs"] == {"using": "docker", "image": "Dockerfile"}


def test_the_docker_action_offers_exactly_the_inputs_its_entrypoint_reads() -> None:
    assert list(load(DOCKER)["inputs"]) == [spec.name for spec in INPUTS]


def test_the_composite_action_offers_the_same_inputs_with_the_same_defaults() -> None:
    assert load(COMPOSITE)["inputs"] == load(DOCKER)["inputs"]


@pytest.mark.parametrize("path", [DOCKER, COMPOSITE], ids=["docker", "composite"])
def test_the_action_declares_every_output(path: Path) -> None:
    assert list(load(path)["outputs"]) == OUTPUTS


def test_the_composite_action_takes_each_output_from_the_report_step() -> None:
    outputs = load(COMPOSITE)["outputs"]

    assert {name: output["value"] for name, output in outputs.items()} == {
        name: f"${{{{ steps.report.outputs.{name} }}}}" for name in OUTPUTS
    }


def test_the_only_required_input_is_junit() -> None:
    required = [name for name, spec in load(DOCKER)["inputs"].items() if spec.get("required")]

    assert required == ["junit"]


def test_fail_on_defaults_to_never_so_reporting_never_breaks_a_build() -> None:
    assert load(DOCKER)["inputs"]["fail-on"]["default"] == "never"


def test_the_composite_report_step_passes_every_input_in_its_environment() -> None:
    env = composite_step("report")["env"]

    for spec in INPUTS:
        variable = "INPUT_" + spec.name.upper().replace("-", "_")
        assert env.get(variable) == f"${{{{ inputs.{spec.name} }}}}", variable


def test_the_composite_action_never_pastes_an_expression_into_a_script() -> None:
    scripts = [step["run"] for step in load(COMPOSITE)["runs"]["steps"] if "run" in step]

    assert scripts
    assert not [script for script in scripts if "${{" in script]


def test_every_composite_script_runs_in_bash_which_all_three_runner_systems_have() -> None:
    shells = {step["shell"] for step in load(COMPOSITE)["runs"]["steps"] if "run" in step}

    assert shells == {"bash"}


def test_the_composite_action_runs_the_same_entrypoint_as_the_docker_action() -> None:
    assert composite_step("report")["run"].endswith("-m agent.action")
