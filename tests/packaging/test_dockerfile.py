"""Promises of the Dockerfile and its build context that need no image: lint, stages, base, context.

The image itself is built and run in test_image.py (slow).
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.packaging.locations import REPO

DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n\s*", " ", DOCKERFILE.read_text(encoding="utf-8"))
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def stages() -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for instruction, arguments in instructions():
        if instruction == "FROM":
            current = []
            found[arguments.split()[-1]] = current
        current.append((instruction, arguments))
    return found


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.fail("hadolint is missing: it comes with the dev extra (pip install -e '.[dev]')")
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    result = subprocess.run([hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_base_image_is_an_argument_defaulting_to_python_slim() -> None:
    first, second = instructions()[:2]

    assert first == ("ARG", "BASE_IMAGE=python:3.12-slim")
    assert second == ("FROM", "${BASE_IMAGE} AS agent")


def test_the_agent_stage_runs_orchestrate_as_a_non_root_user() -> None:
    agent = dict(stages()["agent"])

    assert agent["USER"].split(":")[0] not in {"0", "root"}
    assert agent["ENTRYPOINT"] == '["orchestrate"]'


def test_the_last_stage_is_the_github_action_running_as_root_as_github_requires() -> None:
    name, action = list(stages().items())[-1]

    assert name == "action"
    assert dict(action)["USER"] == "0:0"
    assert dict(action)["ENTRYPOINT"] == '["/opt/orchestrate/bin/python", "-m", "agent.action"]'


def test_the_agent_image_installs_the_agent_without_the_hub_extra() -> None:
    runs = " ".join(arguments for instruction, arguments in stages()["agent"] if instruction == "RUN")

    assert "pip install --no-cache-dir /tmp/orchestrate-src " in runs
    assert "[hub]" not in runs
    assert "[dev]" not in runs


def test_the_build_context_holds_only_what_the_images_install() -> None:
    patterns = (REPO / ".dockerignore").read_text(encoding="utf-8").split()

    assert patterns[patterns.index("*") :] == [
        "*",
        "!pyproject.toml",
        "!README.md",
        "!agent/",
        "!hub/",
        "!manage.py",
        "!gunicorn.conf.py",
        "**/__pycache__",
        "**/*.pyc",
    ]


def test_the_agent_stage_copies_only_the_agent() -> None:
    copies = [arguments for instruction, arguments in stages()["agent"] if instruction == "COPY"]

    assert copies == ["pyproject.toml README.md /tmp/orchestrate-src/", "agent /tmp/orchestrate-src/agent"]


def test_the_hub_stage_runs_gunicorn_as_a_non_root_user() -> None:
    hub = dict(stages()["hub"])

    assert hub["USER"].split(":")[0] not in {"0", "root"}
    assert hub["CMD"].startswith('["gunicorn"')


def test_the_installed_agent_ships_the_report_schema() -> None:
    """``agent.document.load_schema`` reads it as package data: an image without it cannot validate."""
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    globs = pyproject["tool"]["setuptools"]["package-data"]["agent"]

    assert any(fnmatch.fnmatch("schemas/report-v1.schema.json", glob) for glob in globs), globs
