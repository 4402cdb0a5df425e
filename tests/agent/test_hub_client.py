"""The hub client against a real HTTP server on 127.0.0.1 answering from a script.

``FakeHub`` is also used by the CLI tests: the outside world is faked at the HTTP boundary only.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agent.hub_client import HubClient, HubRejected, HubUnavailable, backoff_delay, parse_retry_after

DROP = "drop"  # script entry: close the connection without answering


@dataclass
class Answer:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


class FakeHub:
    """A scripted hub: each request gets the next answer (the last one repeats); requests are recorded."""

    def __init__(self, script: list[Answer | str]) -> None:
        self.script = list(script)
        self.received: list[Received] = []
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                hub.received.append(Received("POST", self.path, dict(self.headers.items()), body))
                answer = hub.script.pop(0) if len(hub.script) > 1 else hub.script[0]
                if answer == DROP:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                assert isinstance(answer, Answer)
                payload = b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)

    def __enter__(self) -> FakeHub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def accepted(**extra: Any) -> Answer:
    body = {"upload": 1, "run": {"id": 7, "url": "http://hub/runs/7"}, "job": {"id": 3}, "results": 2}
    return Answer(201, {**body, "duplicate": False, "files": [], **extra})


def error(status: int, code: str, message: str, **headers: str) -> Answer:
    return Answer(status, {"error": {"code": code, "message": message}}, headers)


def serve_hubs() -> Iterator[Callable[..., FakeHub]]:
    """Body of a ``fake_hub`` fixture: start scripted hubs on demand, stop them all afterwards."""
    hubs: list[FakeHub] = []

    def start(*script: Answer | str) -> FakeHub:
        hub = FakeHub(list(script)).__enter__()
        hubs.append(hub)
        return hub

    yield start
    for hub in hubs:
        hub.__exit__()


@pytest.fixture
def fake_hub() -> Iterator[Callable[..., FakeHub]]:
    yield from serve_hubs()


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "report.json.gz"
    path.write_bytes(gzip.compress(b'{"version":1,"run":{"run_id":"1"},"cases":[]}'))
    return path


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(url: str, *, sleeps: Sleeps | None = None, retries: int = 3, **kwargs: Any) -> HubClient:
    return HubClient(
        url,
        "orch_a_token",
        timeout=5,
        retries=retries,
        sleep=sleeps if sleeps is not None else Sleeps(),
        **kwargs,
    )


def test_it_sends_the_report_gzip_with_token_and_idempotency_key(fake_hub, report: Path) -> None:
    hub = fake_hub(accepted())
    reply = client(hub.url).upload_report(report, "orc1-key")
    assert reply.status == 201
    assert reply.body["run"]["url"] == "http://hub/runs/7"
    (sent,) = hub.received
    assert sent.path == "/api/v1/reports"
    assert sent.headers["Authorization"] == "Bearer orch_a_token"
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Content-Encoding"] == "gzip"
    assert sent.headers["Idempotency-Key"] == "orc1-key"
    assert sent.body == report.read_bytes()


def test_it_retries_a_503_after_the_seconds_in_retry_after(fake_hub, report: Path) -> None:
    hub = fake_hub(error(503, "unavailable", "maintenance", **{"Retry-After": "7"}), accepted())
    sleeps = Sleeps()
    reply = client(hub.url, sleeps=sleeps).upload_report(report, "k")
    assert reply.status == 201
    assert reply.attempts == 2
    assert sleeps == [7.0]


def test_it_honours_retry_after_given_as_an_http_date(fake_hub, report: Path) -> None:
    hub = fake_hub(
        error(429, "throttled", "slow down", **{"Retry-After": "Sat, 21 Nov 2026 10:00:30 GMT"}), accepted()
    )
    sleeps = Sleeps()
    now = datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC)
    client(hub.url, sleeps=sleeps, now=lambda: now).upload_report(report, "k")
    assert sleeps == [30.0]


def test_it_sends_the_same_key_and_body_on_every_try(fake_hub, report: Path) -> None:
    hub = fake_hub(Answer(502), Answer(500), accepted())
    client(hub.url).upload_report(report, "orc1-same")
    assert [r.headers["Idempotency-Key"] for r in hub.received] == ["orc1-same"] * 3
    assert len({r.body for r in hub.received}) == 1


def test_it_backs_off_exponentially_with_full_jitter_on_5xx(fake_hub, report: Path) -> None:
    hub = fake_hub(Answer(500), Answer(500), Answer(500), accepted())
    sleeps = Sleeps()
    client(hub.url, sleeps=sleeps, rand=lambda: 0.5).upload_report(report, "k")
    assert sleeps == [0.5, 1.0, 2.0]


def test_it_retries_a_dropped_connection(fake_hub, report: Path) -> None:
    hub = fake_hub(DROP, accepted())
    assert client(hub.url).upload_report(report, "k").status == 201
    assert len(hub.received) == 2


def test_it_gives_up_after_the_configured_retries(fake_hub, report: Path) -> None:
    hub = fake_hub(Answer(503))
    with pytest.raises(HubUnavailable) as caught:
        client(hub.url, retries=2).upload_report(report, "k")
    assert caught.value.status == 503
    assert len(hub.received) == 3


def test_it_reports_an_unreachable_hub_as_unavailable(report: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens once the socket is closed
    sleeps = Sleeps()
    with pytest.raises(HubUnavailable, match="cannot reach"):
        client(f"http://127.0.0.1:{port}", sleeps=sleeps, retries=2).upload_report(report, "k")
    assert len(sleeps) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 413, 415, 422])
def test_it_does_not_retry_a_client_error(fake_hub, report: Path, status: int) -> None:
    hub = fake_hub(error(status, "nope", "the token is revoked"))
    with pytest.raises(HubRejected) as caught:
        client(hub.url).upload_report(report, "k")
    assert (caught.value.status, caught.value.code, caught.value.message) == (
        status,
        "nope",
        "the token is revoked",
    )
    assert len(hub.received) == 1


def test_it_stops_when_retry_after_asks_for_too_long(fake_hub, report: Path) -> None:
    hub = fake_hub(error(429, "throttled", "later", **{"Retry-After": "3600"}))
    with pytest.raises(HubUnavailable, match="3600"):
        client(hub.url).upload_report(report, "k")
    assert len(hub.received) == 1


def test_it_does_not_follow_a_redirect(fake_hub, report: Path) -> None:
    hub = fake_hub(Answer(301, None, {"Location": "https://hub.example.com/api/v1/reports"}))
    with pytest.raises(HubRejected, match=r"https://hub\.example\.com"):
        client(hub.url).upload_report(report, "k")


def test_it_streams_an_artifact_as_multipart_with_its_fields(fake_hub, tmp_path: Path) -> None:
    artifact = tmp_path / "screenshot.png"
    artifact.write_bytes(bytes(range(256)) * 1000)
    hub = fake_hub(Answer(201, {"artifact": 1}))
    fields = {"run_id": "9", "run_attempt": "2", "provider": "github", "repository": "o/r", "job_name": "j"}
    client(hub.url).upload_artifact(artifact, {**fields, "sha256": "ab" * 32})
    (sent,) = hub.received
    assert sent.path == "/api/v1/artifacts"
    boundary = sent.headers["Content-Type"].split("boundary=")[1]
    assert int(sent.headers["Content-Length"]) == len(sent.body)
    parts = sent.body.split(f"--{boundary}".encode())
    named = {
        p.split(b'name="')[1].split(b'"')[0].decode(): p.split(b"\r\n\r\n", 1)[1][:-2] for p in parts[1:-1]
    }
    assert {k: named[k].decode() for k in fields} == fields
    assert named["file"] == artifact.read_bytes()
    assert b'filename="screenshot.png"' in sent.body


def test_backoff_is_capped() -> None:
    assert backoff_delay(20, rand=lambda: 1.0) == 30.0


def test_an_unparseable_retry_after_is_ignored() -> None:
    assert parse_retry_after("soon", datetime.now(UTC)) is None


@pytest.mark.parametrize(
    "answer",
    [
        Answer(201, {"upload": 1}, {"Idempotent-Replayed": "true"}),
        Answer(201, {"upload": 1, "duplicate": True}),
        Answer(200, {"upload": 1}),
    ],
)
def test_it_recognises_a_replayed_upload(fake_hub, report: Path, answer: Answer) -> None:
    hub = fake_hub(answer)
    assert client(hub.url).upload_report(report, "k").duplicate is True


def test_a_first_upload_is_not_a_duplicate(fake_hub, report: Path) -> None:
    hub = fake_hub(accepted())
    assert client(hub.url).upload_report(report, "k").duplicate is False
