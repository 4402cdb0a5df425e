"""docs/deploy.md's reference deployment is one the hub accepts: every variable its hub services set is one
the hub reads, and ``manage.py check --deploy`` is clean with exactly that environment (a proxy in front
that terminates TLS and redirects to HTTPS)."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.packaging.locations import REPO

DEPLOY = REPO / "docs" / "deploy.md"
READERS = {"envbool", "envint", "envsize", "envlist", "envsecret", "envfile"}
# Read before the settings, by hub/startup.py, or by gunicorn itself.
READ_ELSEWHERE = {"ORCHESTRATE_ENV_FILE", "DJANGO_SETTINGS_MODULE", "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"}
HUB_SERVICES = ("migrate", "hub", "worker")


def compose() -> dict:
    blocks = re.findall(r"```yaml\n(.*?)```", DEPLOY.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert blocks, "docs/deploy.md has no compose file"
    return yaml.safe_load(blocks[0])


def variables_the_settings_read() -> set[str]:
    """Names passed to the env readers and to ``os.environ.get`` in hub/settings.py (``NAME_FILE`` too for
    secrets)."""
    tree = ast.parse((REPO / "hub" / "settings.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args or not isinstance(node.args[0], ast.Constant):
            continue
        func = node.func
        reader = isinstance(func, ast.Name) and func.id in READERS
        environ_get = (
            isinstance(func, ast.Attribute) and func.attr == "get" and ast.unparse(func.value) == "os.environ"
        )
        if reader or environ_get:
            names.add(node.args[0].value)
            if isinstance(func, ast.Name) and func.id == "envsecret":
                names.add(f"{node.args[0].value}_FILE")
    return names


def hub_environment(service: str) -> dict[str, str]:
    return {name: str(value) for name, value in compose()["services"][service]["environment"].items()}


@pytest.mark.parametrize("service", HUB_SERVICES)
def test_every_variable_a_hub_service_sets_is_one_the_hub_reads(service):
    unknown = set(hub_environment(service)) - variables_the_settings_read() - READ_ELSEWHERE

    assert not unknown, f"docs/deploy.md sets {sorted(unknown)}, which the hub does not read"


def test_the_hub_services_run_the_hub_image():
    services = compose()["services"]

    assert {services[name]["image"] for name in HUB_SERVICES} == {"orchestrate-hub"}


def test_check_deploy_is_clean_for_the_reference_behind_its_redirecting_proxy(tmp_path: Path):
    env = hub_environment("hub")
    secrets = {
        "secret_key": "reference-deployment-secret-" + "s" * 40,
        "database_url": "postgres://orchestrate:pw@postgres:5432/orchestrate",
    }
    for name, value in secrets.items():
        (tmp_path / name).write_text(value + "\n")
    env = {name: value.replace("/run/secrets/", f"{tmp_path}/") for name, value in env.items()}
    env.update(PATH=os.environ["PATH"], ORCHESTRATE_ENV_FILE="", ORCHESTRATE_VAR_DIR=str(tmp_path / "var"))
    env["MEDIA_ROOT"] = str(tmp_path / "media")

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
