"""``orchestrate upload``: send a report saved when the hub was away, with the key it was saved with."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main
from agent.upload import read_key
from tests.agent.test_cli_report import REPORT, ci_env, unreachable_url
from tests.agent.test_hub_client import FakeHub, Sleeps, accepted, error, serve_hubs


@pytest.fixture
def fake_hub() -> Iterator[Callable[..., FakeHub]]:
    yield from serve_hubs()


@pytest.fixture
def saved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A report that ``orchestrate report`` could not deliver, as it left it in the spool directory."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "TEST-a.xml").write_text(REPORT)
    env = ci_env(tmp_path, ORCHESTRATE_RETRIES="0")
    assert main(["report", "--junit", "TEST-a.xml", "--hub", unreachable_url()], env) is ExitStatus.OK
    (path,) = (tmp_path / "spool").glob("*.json.gz")
    return path


def upload(*argv: str, env: dict[str, str] | None = None) -> ExitStatus:
    env = {"ORCHESTRATE_TOKEN": "orch_a_secret"} if env is None else env
    return main(["upload", *argv], env, sleep=Sleeps())


def test_it_sends_the_saved_report_with_the_key_stored_beside_it(saved: Path, fake_hub) -> None:
    key = read_key(saved)
    body = saved.read_bytes()
    hub = fake_hub(accepted())
    assert upload(str(saved), "--hub", hub.url) is ExitStatus.OK
    (sent,) = hub.received
    assert sent.headers["Idempotency-Key"] == key
    assert sent.body == body


def test_it_deletes_the_file_and_its_key_once_the_hub_has_it(saved: Path, fake_hub) -> None:
    hub = fake_hub(accepted(duplicate=True))
    upload(str(saved), "--hub", hub.url)
    assert not saved.exists()
    assert not saved.with_name(saved.name + ".key").exists()


def test_keep_leaves_the_file_in_place(saved: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    upload(str(saved), "--hub", hub.url, "--keep")
    assert saved.exists()


def test_it_fails_closed_when_the_hub_is_still_away(saved: Path) -> None:
    assert upload(str(saved), "--hub", unreachable_url(), "--retries", "0") is ExitStatus.UPLOAD_FAILED
    assert saved.exists()


def test_it_fails_closed_when_the_hub_refuses(saved: Path, fake_hub, capsys) -> None:
    hub = fake_hub(error(403, "forbidden", "The token cannot write to this project."))
    assert upload(str(saved), "--hub", hub.url) is ExitStatus.HUB_REJECTED
    assert "The token cannot write to this project." in capsys.readouterr().err


def test_it_needs_the_key_file_or_an_explicit_key(saved: Path, fake_hub) -> None:
    saved.with_name(saved.name + ".key").unlink()
    hub = fake_hub(accepted())
    assert upload(str(saved), "--hub", hub.url) is ExitStatus.USAGE
    assert upload(str(saved), "--hub", hub.url, "--idempotency-key", "orc1-given") is ExitStatus.OK
    assert hub.received[0].headers["Idempotency-Key"] == "orc1-given"


def test_it_needs_a_hub_and_a_token(saved: Path) -> None:
    assert upload(str(saved)) is ExitStatus.USAGE
    assert upload(str(saved), "--hub", "http://127.0.0.1:9", env={}) is ExitStatus.USAGE
