"""What the ``orchestrate validate`` tests share: a real small web application written into the test's tmp
directory (Python's http.server, started by the command under test), a way to see whether a process is
still alive, and fake GitHub and GitLab servers on loopback answering the commit-status APIs with their
documented shapes (GitLab's from ../shared/corpus, read in place)."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PYTHON = sys.executable
CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "api"
SHA = "6b9fec60e107f1f323dfa6674b317facd996cb0a"

APP = r'''
"""A tiny web application: / a page, /healthz answers HEALTH (env, default 200), /items a list, others 404.
It writes its pid to PIDS (appending) and, with WORKERS=n, forks n children that sleep, writing theirs."""
import http.server, os, sys, time

port = int(sys.argv[1])
for _ in range(int(os.environ.get("WORKERS", "0"))):
    if os.fork() == 0:
        with open(os.environ["PIDS"], "a") as f:
            f.write(f"{os.getpid()}\n")
        while True:
            time.sleep(1)
with open(os.environ.get("PIDS", os.devnull), "a") as f:
    f.write(f"{os.getpid()}\n")
print(f"listening on {port} with token=ghp_abcdefghijklmnopqrstuvwx", flush=True)
print("x" * int(os.environ.get("NOISE", "0")), flush=True)

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = {
            "/": (200, b"home"),
            "/healthz": (int(os.environ.get("HEALTH", "200")), b"ok"),
            "/items": (200, b'["apple", "pear"]'),
        }.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format, *args):
        print("request", self.path, flush=True)

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
'''


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The application's file in the test's directory, which is also the working directory (outside any
    git checkout, so no repository's .orchestrate.yml is found)."""
    path = tmp_path / "app.py"
    path.write_text(APP)
    monkeypatch.chdir(tmp_path)
    return path


@pytest.fixture
def port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def env(**extra: str) -> dict[str, str]:
    """The environment the command (and so the application) gets: a PATH, nothing of this machine's CI."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **extra}


def running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie, dead and waiting to be reaped, is not)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] not in "ZX"


def group_members(pgid: int) -> list[int]:
    """The live processes whose process group is ``pgid``, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            members.append(int(stat.parent.name))
    return members


def pids(path: Path) -> list[int]:
    return [int(line) for line in path.read_text().split()] if path.exists() else []


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeProvider:
    """A provider's API on loopback: each request is recorded and answered by ``answer(received)``."""

    answer: Any
    received: list[Received] = field(default_factory=list)
    url: str = ""

    def serve(self) -> Iterator[FakeProvider]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                received = Received(
                    self.command, self.path, dict(self.headers), json.loads(raw) if raw else None
                )
                fake.received.append(received)
                status, body = fake.answer(received)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def github_status(received: Received) -> tuple[int, dict[str, Any]]:
    """GitHub's answer to ``POST /repos/{owner}/{repo}/statuses/{sha}`` (201, as its REST docs show it)."""
    sha = received.path.rsplit("/", 1)[-1]
    body = received.body or {}
    return 201, {
        "url": f"https://api.github.com/repos/octocat/Hello-World/statuses/{sha}",
        "avatar_url": "https://github.com/images/error/hubot_happy.gif",
        "id": 1,
        "node_id": "MDY6U3RhdHVzMQ==",
        "state": body.get("state"),
        "description": body.get("description"),
        "target_url": body.get("target_url"),
        "context": body.get("context"),
        "created_at": "2012-07-20T01:19:13Z",
        "updated_at": "2012-07-20T01:19:13Z",
        "creator": {"login": "octocat", "id": 1, "type": "User", "site_admin": False},
    }


def gitlab_status(received: Received) -> tuple[int, dict[str, Any]]:
    """GitLab's answer to ``POST /projects/:id/statuses/:sha``: its documented commit status (the corpus's
    example), with what was asked."""
    example = json.loads((CORPUS / "gitlab" / "gitlab4j" / "commit-status.json").read_text())
    body = received.body or {}
    return 201, {
        **example,
        "sha": received.path.rsplit("/", 1)[-1],
        "status": body.get("state"),
        "name": body.get("name"),
        "description": body.get("description"),
        "target_url": body.get("target_url"),
    }


@pytest.fixture
def fake_github() -> Iterator[FakeProvider]:
    yield from FakeProvider(github_status).serve()


@pytest.fixture
def fake_gitlab() -> Iterator[FakeProvider]:
    yield from FakeProvider(gitlab_status).serve()
