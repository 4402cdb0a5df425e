"""``make demo`` (scripts/demo.sh) run for real, on a day of history: once it is up, the command its page
tells you to run next (``manage.py createtoken --user admin``) works from a clean environment, because
the demo wrote the settings it used to the file manage.py reads.

Slow: migrates, seeds and starts the worker and the server (about half a minute).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.packaging.locations import REPO

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_banner(demo: subprocess.Popen[str], seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    assert demo.stdout is not None
    while time.monotonic() < deadline:
        line = demo.stdout.readline()
        if "Orchestrate demo" in line:
            return
        if not line and demo.poll() is not None:
            pytest.fail(f"the demo ended with status {demo.returncode} before it was up")
    pytest.fail("the demo was not up within five minutes")


def test_after_make_demo_createtoken_works_as_the_demo_page_says(tmp_path: Path) -> None:
    settings_file = tmp_path / "demo.env"
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "VENV": str(Path(sys.executable).parent.parent),
        "SKIP_INSTALL": "1",
        "PORT": str(free_port()),
        "ORCHESTRATE_VAR_DIR": str(tmp_path / "var"),
        "ORCHESTRATE_ENV_FILE": str(settings_file),  # not the checkout's var/demo.env
    }
    demo = subprocess.Popen(
        ["bash", str(REPO / "scripts" / "demo.sh"), "--days", "1"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_for_banner(demo)
        clean = {"PATH": os.environ["PATH"], "ORCHESTRATE_ENV_FILE": str(settings_file)}
        result = subprocess.run(
            [sys.executable, "manage.py", "createtoken", "--user", "admin"],
            cwd=REPO,
            env=clean,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        demo.send_signal(signal.SIGTERM)
        demo.wait(timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert "DEBUG=true" in settings_file.read_text().splitlines()
