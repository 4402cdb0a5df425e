"""The real agent image, built the way CI builds it (scripts/build-image.sh: podman, chroot isolation, a
debootstrapped Debian base) and run without a container runtime: a container's root filesystem is mounted
with ``podman mount`` and commands run in it with ``chroot`` as the image's user. (``podman run`` cannot
start containers on these machines: see the notes, section 6.)

Slow: a cold build takes about a minute, a warm one seconds. Skipped only on a machine without podman and
outside CI; under ``CI=true`` a missing podman is installed with .ci/install-image-tools.sh or the test fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.packaging.locations import REPO

pytestmark = pytest.mark.slow

AGENT_TAG = "localhost/orchestrate-agent:pytest"
ACTION_TAG = "localhost/orchestrate-action:pytest"
WORKSPACE = "/github/workspace"


def require_tools() -> None:
    in_ci = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
    if shutil.which("podman") is None:
        if not in_ci:
            pytest.skip("podman is not installed (bash .ci/install-image-tools.sh installs it); CI runs this")
        subprocess.run(["bash", str(REPO / ".ci" / "install-image-tools.sh")], check=True)
    if os.geteuid() != 0:
        message = "building and mounting the image with podman + chroot needs root"
        pytest.fail(message) if in_ci else pytest.skip(message)


def build(tag: str, target: str) -> str:
    result = subprocess.run(
        [str(REPO / "scripts" / "build-image.sh"), "--tag", tag, "--target", target],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return tag


@pytest.fixture(scope="module")
def agent_image() -> str:
    require_tools()
    return build(AGENT_TAG, "agent")


@pytest.fixture(scope="module")
def action_image(agent_image: str) -> str:
    return build(ACTION_TAG, "action")


def inspect(tag: str) -> dict:
    result = subprocess.run(["podman", "image", "inspect", tag], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)[0]["Config"]


@dataclass
class Container:
    """A container's writable root filesystem, mounted on the host, to run the image's commands in."""

    root: Path
    config: dict
    workdir: str = WORKSPACE

    def put(self, source: Path, inside: str) -> None:
        target = self.root / inside.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        for path in [target, *target.parents]:
            if path == self.root:
                break
            path.chmod(0o777 if path.is_dir() else 0o644)

    def command(
        self, argv: Sequence[str], *, env: dict[str, str] | None = None, entrypoint: bool = True
    ) -> list[str]:
        """The host command that runs ``argv`` as the container would: the image's user, environment and
        entrypoint, in ``workdir``."""
        image_env = dict(item.split("=", 1) for item in self.config.get("Env") or [])
        command = [*(self.config.get("Entrypoint") or []), *argv] if entrypoint else list(argv)
        assignments = [f"{key}={value}" for key, value in {**image_env, **(env or {})}.items()]
        return [
            "chroot",
            f"--userspec={self.config.get('User') or '0:0'}",
            str(self.root),
            "/usr/bin/env",
            "-i",
            f"--chdir={self.workdir}",
            *assignments,
            *command,
        ]

    def run(
        self, argv: Sequence[str], *, env: dict[str, str] | None = None, entrypoint: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``argv`` in the container and wait for it."""
        return subprocess.run(
            self.command(argv, env=env, entrypoint=entrypoint), capture_output=True, text=True, timeout=120
        )


def container(tag: str, workdir: str = WORKSPACE) -> Iterator[Container]:
    created = subprocess.run(["podman", "create", tag], capture_output=True, text=True, check=True)
    container_id = created.stdout.strip()
    try:
        mounted = subprocess.run(["podman", "mount", container_id], capture_output=True, text=True)
        root = Path(mounted.stdout.strip())
        assert mounted.returncode == 0, mounted.stderr
        (root / WORKSPACE.lstrip("/")).mkdir(parents=True, exist_ok=True)
        (root / WORKSPACE.lstrip("/")).chmod(0o777)
        yield Container(root=root, config=inspect(tag), workdir=workdir)
    finally:
        subprocess.run(["podman", "unmount", container_id], capture_output=True, check=False)
        subprocess.run(["podman", "rm", "--force", container_id], capture_output=True, check=False)


@pytest.fixture
def agent_container(agent_image: str) -> Iterator[Container]:
    yield from container(agent_image)


@pytest.fixture
def action_container(action_image: str) -> Iterator[Container]:
    yield from container(action_image)


def test_the_agent_image_runs_orchestrate_as_a_non_root_user(agent_image: str) -> None:
    config = inspect(agent_image)

    assert config["Entrypoint"] == ["orchestrate"]
    assert config["User"] == "10001:10001"


def test_orchestrate_help_runs_inside_the_image(agent_container: Container) -> None:
    result = agent_container.run(["--help"])

    assert result.returncode == 0, result.stderr
    assert "report" in result.stdout
    assert "parse" in result.stdout


def test_orchestrate_parses_a_junit_file_inside_the_image(
    agent_container: Container, surefire_report: Path
) -> None:
    agent_container.put(surefire_report, f"{WORKSPACE}/reports/TEST-org.acme.FlakyTest.xml")

    result = agent_container.run(["parse", "--json", "reports/*.xml"])

    assert result.returncode == 0, result.stderr
    totals = json.loads(result.stdout)["totals"]
    assert (totals["files"], totals["parse_errors"]) == (1, 0)
    assert totals["tests"] > 0


def test_the_image_holds_no_django(agent_container: Container) -> None:
    site_packages = list(agent_container.root.glob("opt/orchestrate/lib/python3*/site-packages"))

    assert site_packages
    assert not list(site_packages[0].glob("[Dd]jango*"))
    assert not list(site_packages[0].glob("rest_framework*"))


def test_the_image_holds_the_report_schema(agent_container: Container) -> None:
    code = "from agent.document import load_schema; print(load_schema()['title'])"

    result = agent_container.run(["python", "-c", code], entrypoint=False)

    assert result.returncode == 0, result.stderr


def test_the_action_stage_runs_the_action_entrypoint_as_root(action_image: str) -> None:
    config = inspect(action_image)

    assert config["Entrypoint"] == ["/opt/orchestrate/bin/python", "-m", "agent.action"]
    assert config["User"] == "0:0"


def test_the_action_reports_a_junit_file_from_its_inputs_and_sets_outputs(
    action_container: Container, surefire_report: Path, github_run: dict[str, str]
) -> None:
    action_container.put(surefire_report, f"{WORKSPACE}/build/TEST-org.acme.FlakyTest.xml")
    (action_container.root / "github" / "file_commands").mkdir(parents=True)

    result = action_container.run(
        [],
        env={
            **github_run,
            "GITHUB_WORKSPACE": WORKSPACE,
            "GITHUB_OUTPUT": "/github/file_commands/set_output",
            "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
            "INPUT_JUNIT": "/home/runner/work/shop/shop/build/*.xml",
            "INPUT_FAIL-ON": "never",
        },
    )

    assert result.returncode == 0, result.stdout + result.stderr
    outputs = (action_container.root / "github" / "file_commands" / "set_output").read_text()
    assert "tests=" in outputs
