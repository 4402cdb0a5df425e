"""The hub image, built as CI builds it (``scripts/build-image.sh --target hub``) and smoke-run the way
test_image.py runs the agent's, without a container runtime: migrate, gunicorn answering ``/healthz``, one
upload by the real agent, and a missing setting stopping gunicorn with one line.

Slow, and skipped or installed like test_image.py (see there).
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from agent.cli import main
from tests.packaging.test_image import Container, build, container, inspect, require_tools

pytestmark = pytest.mark.slow

HUB_TAG = "localhost/orchestrate-hub:pytest"
SETTINGS = {
    "SECRET_KEY": "image-smoke-test-secret-" + "k" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "SECURE_SSL_REDIRECT": "false",
}


@pytest.fixture(scope="module")
def hub_image() -> str:
    require_tools()
    return build(HUB_TAG, "hub")


@pytest.fixture
def hub_container(hub_image: str) -> Iterator[Container]:
    yield from container(hub_image, workdir=inspect(hub_image)["WorkingDir"])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def manage(hub: Container, *argv: str) -> subprocess.CompletedProcess[str]:
    return hub.run(["python", "manage.py", *argv], env=SETTINGS, entrypoint=False)


def wait_for_health(url: str, server: subprocess.Popen[str], seconds: float = 60) -> requests.Response:
    deadline = time.monotonic() + seconds
    while True:
        try:
            return requests.get(f"{url}/healthz", timeout=5)
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_the_hub_image_runs_gunicorn_as_a_non_root_user(hub_image: str) -> None:
    config = inspect(hub_image)

    assert config["User"] == "10001:10001"
    assert config["Cmd"][0] == "gunicorn"


def test_the_hub_image_migrates_answers_healthz_and_takes_an_upload(
    hub_container: Container, surefire_report: Path, tmp_path: Path
) -> None:
    migrated = manage(hub_container, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stderr
    created = manage(hub_container, "createproject", "acme/shop", "--provider", "custom")
    assert created.returncode == 0, created.stderr
    url = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen(
        hub_container.command(["gunicorn", "--bind", url.removeprefix("http://")], env=SETTINGS),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        health = wait_for_health(url, server)
        env = {
            "ORCHESTRATE_HUB_URL": url,
            "ORCHESTRATE_TOKEN": created.stdout.strip(),
            "ORCHESTRATE_RUN_ID": "smoke-1",
            "ORCHESTRATE_SPOOL_DIR": str(tmp_path / "spool"),
        }
        status = main(["report", "--junit", str(surefire_report), "--strict", "--json"], env)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert health.status_code == 200, health.text
    assert health.json()["database"] == "ok"
    assert status == 0
    count_runs = "from hub.runs.models import Run; print(Run.objects.count())"
    listed = manage(hub_container, "shell", "--no-imports", "-c", count_runs)
    assert listed.stdout.strip() == "1", listed.stderr


def test_gunicorn_in_the_image_stops_with_one_line_without_a_secret(hub_container: Container) -> None:
    settings = {name: value for name, value in SETTINGS.items() if name != "SECRET_KEY"}

    result = hub_container.run(["gunicorn"], env=settings, entrypoint=False)

    lines = result.stderr.strip().splitlines()
    assert result.returncode != 0
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0]
