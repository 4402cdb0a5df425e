"""The ready fix workflows in docs/fixer/ parse, take exactly the inputs the fixer responder sends (as
the types each CI receives them), and run ``orchestrate fix`` with them, so copying one is enough."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import agent
from agent.providers.circleci import parameter
from hub.response.policy.schema import FIXER_INPUTS, defaults

DOCS = Path(__file__).resolve().parents[2] / "docs" / "fixer"
COMMAND = re.compile(r'orchestrate fix --run "\$(\w+)" --apply --push --fix-job "\$(\w+)"')


def load(name: str) -> dict:
    return yaml.safe_load((DOCS / name).read_text("utf-8"))


def one_command(text: str) -> tuple[str, str]:
    [found] = COMMAND.findall(text)
    return found


def test_the_github_workflow_is_dispatched_with_the_inputs_the_hub_sends() -> None:
    workflow = load("github-orchestrate-fix.yml")
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == set(FIXER_INPUTS)
    assert all(spec["required"] and spec["type"] == "string" for spec in inputs.values())


def test_the_github_workflow_runs_orchestrate_fix_with_the_run_and_the_fix_job() -> None:
    [job] = load("github-orchestrate-fix.yml")["jobs"].values()
    [step] = [step for step in job["steps"] if "orchestrate fix" in step.get("run", "")]
    run_var, job_var = one_command(step["run"])
    assert step["env"][run_var] == "${{ inputs.run }}"
    assert step["env"][job_var] == "${{ inputs.fix_job }}"


def test_the_github_runs_title_is_the_one_the_hub_looks_for_after_a_lost_answer() -> None:
    title = load("github-orchestrate-fix.yml")["run-name"].replace("${{ inputs.fix_job }}", "42")
    assert re.search(r"\bfix job #42\b", title)


def test_the_github_workflow_file_is_the_policys_default() -> None:
    assert defaults()["fixer"]["workflow"] == "orchestrate-fix.yml"


def test_the_gitlab_job_runs_only_in_the_hubs_pipeline_with_its_variables() -> None:
    job = load("gitlab-ci-orchestrate-fix.yml")["orchestrate-fix"]
    assert "$fix_job" in job["rules"][0]["if"]
    assert job["rules"][-1] == {"when": "never"}
    script = "\n".join(job["script"])
    assert one_command(script) == ("run", "fix_job")
    assert "$hub_url" in script


def test_the_circleci_parameters_take_the_values_as_the_client_types_them() -> None:
    config = load("circleci-orchestrate-fix.yml")
    declared = config["parameters"]
    assert set(declared) == set(FIXER_INPUTS)
    sent = {"run": "1234", "fix_job": "42", "hub_url": "https://hub.example.com"}
    python_types = {"integer": int, "string": str}
    for name, value in sent.items():
        assert isinstance(parameter(value), python_types[declared[name]["type"]]), name


def test_the_circleci_workflow_runs_orchestrate_fix_only_when_the_hub_starts_it() -> None:
    config = load("circleci-orchestrate-fix.yml")
    assert config["workflows"]["orchestrate-fix"]["when"] == "<< pipeline.parameters.fix_job >>"
    [step] = [s["run"] for s in config["jobs"]["orchestrate-fix"]["steps"] if isinstance(s, dict)
              and isinstance(s.get("run"), dict) and "orchestrate fix" in s["run"]["command"]]  # fmt: skip
    run_var, job_var = one_command(step["command"])
    assert step["environment"][run_var] == "<< pipeline.parameters.run >>"
    assert step["environment"][job_var] == "<< pipeline.parameters.fix_job >>"


@pytest.mark.parametrize("name", sorted(p.name for p in DOCS.glob("*.yml")))
def test_each_installs_the_agent_of_this_version(name: str) -> None:
    assert f"orchestrate=={agent.__version__}" in (DOCS / name).read_text("utf-8")
