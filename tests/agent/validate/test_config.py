"""The ``validate:`` section and the flags: what is accepted, what each bad value says to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.commands.base import UsageError
from agent.validate.config import Smoke, Timeouts, ValidateConfig, from_file, smoke_flag, with_flags

FLAGS = {"start": "python -m app", "port": 8000}


def section(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".orchestrate.yml"
    path.write_text("validate:\n" + text)
    return path


def test_no_file_gives_the_defaults():
    assert from_file(None, {}) == ValidateConfig()


def test_a_full_section_is_read(tmp_path):
    path = section(
        tmp_path,
        "  build: make\n  start: ./serve\n  health: {url: 'http://localhost:9000/up', status: 204}\n"
        "  timeouts: {build: 5, health: 2.5}\n  smoke: [{path: /a}, {method: post, path: /b, status: 201}]\n"
        "  env: {PORT: 9000}\n  status: {context: ci/validate}\n",
    )

    assert from_file(path, {}) == ValidateConfig(
        build="make",
        start="./serve",
        health_url="http://localhost:9000/up",
        health_status=204,
        smoke=(Smoke("GET", "/a"), Smoke("POST", "/b", 201)),
        timeouts=Timeouts(build=5.0, health=2.5),
        env={"PORT": "9000"},
        status_context="ci/validate",
    )


def test_flags_win_over_the_file(tmp_path):
    path = section(tmp_path, "  start: ./serve\n  health: {port: 9000}\n  smoke: [{path: /a}]\n")

    merged = with_flags(from_file(path, {}), {"start": "./other", "port": 7000, "smoke": ["GET /b 204"]})

    assert (merged.start, merged.health_url, merged.smoke) == (
        "./other",
        "http://127.0.0.1:7000/",
        (Smoke("GET", "/b", 204),),
    )


def test_a_timeout_flag_keeps_the_files_other_timeouts(tmp_path):
    path = section(tmp_path, "  start: x\n  health: {port: 9000}\n  timeouts: {build: 5}\n")

    merged = with_flags(from_file(path, {}), {"stop_timeout": 1.0})

    assert merged.timeouts == Timeouts(build=5.0, stop=1.0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("  start: x\n  health: {port: 70000}\n", "port 70000 is not between 1 and 65535"),
        ("  start: x\n  health: {port: 80, url: 'http://a/'}\n", "give a health URL or a port, not both"),
        ("  start: x\n  health: {url: 'ftp://a/'}\n", "is not an http(s) URL"),
        ("  start: x\n  health: {port: 80, status: 700}\n", "must be an HTTP status between 100 and 599"),
        ("  start: x\n  timeouts: {build: -1}\n", "validate.timeouts.build must be a positive number"),
        ("  start: x\n  timeouts: {boot: 1}\n", "unknown key(s) boot"),
        ("  start: 5\n", "validate.start must be a string"),
        ("  smoke: {path: /}\n", "validate.smoke must be a list"),
        ("  smoke: [{path: items}]\n", "validate.smoke[0].path must start with /"),
        ("  smoke: [{method: FETCH, path: /}]\n", "validate.smoke[0].method 'FETCH' is not one of"),
        ("  max_log_bytes: 1.5\n", "max_log_bytes must be a whole number"),
        ("  start: ${UNSET}\n", "uses ${UNSET}, which is not set"),
    ],
)
def test_bad_values_are_named(tmp_path, text, message):
    with pytest.raises(UsageError) as error:
        from_file(section(tmp_path, text), {})

    assert message in str(error.value)


@pytest.mark.parametrize("text", ["GET", "GET items", "FETCH /", "GET / abc"])
def test_a_bad_smoke_flag_shows_the_form(text):
    with pytest.raises(UsageError, match="write METHOD PATH"):
        smoke_flag(text)


def test_a_health_check_is_required():
    with pytest.raises(UsageError, match="no health check: pass --port PORT"):
        with_flags(ValidateConfig(), {"start": "x"})


def test_a_health_path_without_a_slash_gets_one():
    assert (
        with_flags(ValidateConfig(), {**FLAGS, "health_path": "up"}).health_url == "http://127.0.0.1:8000/up"
    )
