"""Every way of starting the hub (a management command, the worker, gunicorn) stops on a bad or missing
setting with one line on stderr that names the variable and says how to set it, never a traceback; and
the demo's settings file fills in what the environment does not set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

COMMANDS = {
    "createtoken": [sys.executable, "manage.py", "createtoken", "--user", "admin"],
    "migrate": [sys.executable, "manage.py", "migrate", "--noinput"],
    "worker": [sys.executable, "manage.py", "qcluster"],
    "hub": [str(BIN / "gunicorn"), "hub.wsgi"],
}


def start(argv: list[str], env_file: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """``argv`` in the checkout with nothing in the environment but ``env`` (and no settings file unless
    one is given: a demo run in this checkout must not change the answer)."""
    clean = {"PATH": os.environ["PATH"], "ORCHESTRATE_ENV_FILE": str(env_file or ""), **env}
    return subprocess.run(argv, cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def the_one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", COMMANDS.values(), ids=COMMANDS.keys())
def test_a_missing_secret_key_stops_it_with_one_line_saying_how_to_set_it(command):
    line = the_one_line(start(command))

    assert "SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off" in line
    assert "export SECRET_KEY=" in line


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean: use true or false"),
        ({"DEBUG": "true", "Q_WORKERS": "many"}, "Q_WORKERS='many' is not an integer: set a whole number"),
        ({"DEBUG": "true", "Q_WORKERS": "0"}, "Q_WORKERS=0 is below the minimum of 1: set 1 or more"),
        ({"DEBUG": "true", "RUN_IDLE_COMPLETE_SECONDS": "soon"}, "RUN_IDLE_COMPLETE_SECONDS='soon'"),
    ],
)
def test_a_bad_value_stops_the_worker_with_one_line_naming_it(env, message):
    assert message in the_one_line(start(COMMANDS["worker"], **env))


NOTHING_LISTENS = "127.0.0.1:1"


@pytest.mark.parametrize("command", [COMMANDS["migrate"], COMMANDS["worker"]], ids=["migrate", "worker"])
def test_a_database_that_cannot_be_reached_stops_it_with_one_line_naming_database_url(command):
    line = the_one_line(start(command, DEBUG="true", DATABASE_URL=f"postgres://hub@{NOTHING_LISTENS}/hub"))

    assert "cannot connect to the database of DATABASE_URL" in line
    assert "Connection refused" in line


def test_a_redis_that_cannot_be_reached_stops_the_worker_with_one_line_naming_redis_url(tmp_path):
    env = {"DEBUG": "true", "ORCHESTRATE_VAR_DIR": str(tmp_path), "REDIS_URL": f"redis://{NOTHING_LISTENS}/0"}

    line = the_one_line(start(COMMANDS["worker"], **env))

    assert "cannot reach Redis at REDIS_URL" in line


def test_the_demo_settings_file_fills_in_what_the_environment_does_not_set(tmp_path):
    settings_file = tmp_path / "demo.env"
    settings_file.write_text(f"# written by scripts/demo.sh\nDEBUG=true\nORCHESTRATE_VAR_DIR={tmp_path}\n")

    result = start([sys.executable, "manage.py", "check"], env_file=settings_file)

    assert result.returncode == 0, result.stderr


def test_the_environment_wins_over_the_demo_settings_file(tmp_path):
    settings_file = tmp_path / "demo.env"
    settings_file.write_text(f"DEBUG=true\nORCHESTRATE_VAR_DIR={tmp_path}\n")

    line = the_one_line(start([sys.executable, "manage.py", "check"], env_file=settings_file, DEBUG="false"))

    assert "SECRET_KEY" in line


def test_a_malformed_line_in_the_settings_file_is_named_with_its_number(tmp_path):
    settings_file = tmp_path / "demo.env"
    settings_file.write_text("DEBUG=true\nthis is not a setting\n")

    line = the_one_line(start([sys.executable, "manage.py", "check"], env_file=settings_file))

    assert f"{settings_file}, line 2: expected NAME=value" in line


def test_a_settings_file_that_cannot_be_read_is_named_with_the_variable_that_chose_it(tmp_path):
    line = the_one_line(start([sys.executable, "manage.py", "check"], env_file=tmp_path / "missing.env"))

    assert "ORCHESTRATE_ENV_FILE" in line
    assert "missing.env" in line
