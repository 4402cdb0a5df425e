"""Coding agents faked at the HTTP boundary, as real servers on loopback.

``FakeCodegen`` answers Codegen's REST API as docs.codegen.com describes it: ``POST
/v1/organizations/{org_id}/agent/run`` creates a run (an ``AgentRunResponse``: ``id``,
``organization_id``, ``status``, ``created_at``, ``web_url``, ``result``, ``summary``, ``source_type``,
``github_pull_requests``, ``metadata``), ``GET .../agent/run/{id}`` reads it, ``POST .../agent/run/resume``
(``agent_run_id``, ``prompt``) resumes it; Bearer token and organisation checked (401, 404). Each created
run follows the next ``plans`` entry: it is ``ACTIVE`` for ``reads_while_active`` reads, then ends with
the plan's status word and pull requests. ``interruptions`` are answers given instead of the next request
(a 429 with ``Retry-After``, a 402). ``FakeAgent`` is a generic agent: it records the signed POSTs it gets
and answers with a run id and a status URL, the same run for a repeated ``Idempotency-Key``.

Each run is started when its request arrives, before the answer; ``slow`` makes the first request that
starts one wait before answering, so a test can SIGKILL the worker (a real ``qcluster``) while the answer
is on its way: the run started, its answer never read.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "cg_test_token_1234567890"
ORG = 323
RUN = re.compile(rf"^/v1/organizations/{ORG}/agent/run/(\d+)$")


@dataclass
class Plan:
    end: str = "COMPLETE"  # the status word the run ends with
    pull_requests: list[dict[str, Any]] = field(default_factory=list)
    reads_while_active: int = 1


@dataclass
class Interruption:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    method: str = ""  # "" any, or only for "GET" / "POST"


class _Server(ThreadingHTTPServer):
    def __init__(self, handler) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)
        self.slow = 0.0  # seconds the first request that starts a run waits before its answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address) -> None:
        """A killed worker's connection is gone when its answer is written: expected, not reported."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    def wait_before_answering(self, starts: int) -> float:
        """``slow`` for the request that started the first run (``starts`` runs so far), else nothing."""
        return self.slow if starts == 1 else 0.0


class FakeCodegen(_Server):
    def __init__(self) -> None:
        super().__init__(CodegenHandler)
        self.plans: list[Plan] = []
        self.interruptions: list[Interruption] = []
        self.runs: dict[int, dict[str, Any]] = {}
        self.reads: dict[int, int] = {}
        self.created: list[dict[str, Any]] = []  # the bodies of the creations, in order
        self.resumed: list[dict[str, Any]] = []
        self.answered: list[int] = []  # every status code given, in order

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        number = len(self.created)
        self.created.append(body)
        run_id = 4100 + number
        self.runs[run_id] = {
            "id": run_id, "organization_id": ORG, "status": "ACTIVE", "created_at": "2026-12-07T16:00:00Z",
            "web_url": f"https://codegen.com/agent/trace/{run_id}", "result": None, "summary": None,
            "source_type": "API", "github_pull_requests": [], "metadata": {},
        }  # fmt: skip
        self.reads[run_id] = 0
        return self.runs[run_id]

    def read(self, run_id: int) -> dict[str, Any]:
        run = self.runs[run_id]
        self.reads[run_id] += 1
        plan = self.plans[run_id - 4100] if run_id - 4100 < len(self.plans) else Plan()
        if run["status"] == "ACTIVE" and self.reads[run_id] > plan.reads_while_active:
            run.update(status=plan.end, github_pull_requests=plan.pull_requests,
                       summary=f"ended {plan.end.lower()}", result="done")  # fmt: skip
        return run


class CodegenHandler(BaseHTTPRequestHandler):
    server: FakeCodegen

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        with self.server.lock:
            creations = len(self.server.created)
            status, answer, headers = self._answer(method, body)
            self.server.answered.append(status)
            started = len(self.server.created) > creations
            wait = self.server.wait_before_answering(len(self.server.created)) if started else 0.0
        time.sleep(wait)
        data = json.dumps(answer).encode()
        self.send_response(status)
        for name, value in {"Content-Type": "application/json", **headers}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _answer(self, method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        server = self.server
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"detail": "Invalid or missing API token"}, {}
        for interruption in list(server.interruptions):
            if interruption.method in ("", method):
                server.interruptions.remove(interruption)
                return interruption.status, interruption.body, interruption.headers
        path = self.path.split("?")[0]
        if method == "POST" and path == f"/v1/organizations/{ORG}/agent/run":
            if not isinstance(body.get("prompt"), str) or not body["prompt"]:
                return 422, {"detail": [{"loc": ["body", "prompt"], "msg": "Field required"}]}, {}
            return 200, server.create(body), {}
        if method == "POST" and path == f"/v1/organizations/{ORG}/agent/run/resume":
            run = server.runs.get(body.get("agent_run_id"))
            if run is None:
                return 404, {"detail": "Agent run not found"}, {}
            server.resumed.append(body)
            run["status"] = "ACTIVE"
            return 200, run, {}
        match = RUN.match(path)
        if method == "GET" and match and int(match.group(1)) in server.runs:
            return 200, server.read(int(match.group(1))), {}
        return 404, {"detail": "Not Found"}, {}


class FakeAgent(_Server):
    """A generic agent: takes signed POSTs, answers a run and where to poll it."""

    def __init__(self) -> None:
        super().__init__(AgentHandler)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.runs: dict[str, str] = {}  # Idempotency-Key -> run id
        self.status = "running"
        self.pull_request_url = ""


class AgentHandler(BaseHTTPRequestHandler):
    server: FakeAgent

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with self.server.lock:
            self.server.received.append((dict(self.headers), body))
            key = self.headers.get("Idempotency-Key", "")
            started = key not in self.server.runs
            run_id = self.server.runs.setdefault(key, f"oh-{len(self.server.runs) + 1}")
            wait = self.server.wait_before_answering(len(self.server.runs)) if started else 0.0
        time.sleep(wait)
        self._json(202, {"id": run_id, "status": "queued", "web_url": f"https://agent.example/runs/{run_id}"})

    def do_GET(self) -> None:
        self._json(200, {"id": self.path.rsplit("/", 1)[-1], "status": self.server.status,
                         "pull_request_url": self.server.pull_request_url})  # fmt: skip

    def _json(self, status: int, answer: dict[str, Any]) -> None:
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
