"""GitHub (with the fixer's fix workflow) and a Slack incoming webhook on loopback, for tests whose
worker is another process (a real ``qcluster``), where ``responses`` cannot reach: one threading HTTP
server, over TLS when given a certificate (the policy takes only an https:// Slack webhook), answering
in the real shapes (the corpus's published examples; ``FakeIssues`` for issues) and keeping what it was
asked.

Each effect is made when its request arrives, before the answer; ``slow`` makes the first request of a
kind wait before answering, so a test can SIGKILL the worker while the answer is on its way (the effect
made, its answer never read): what a lost record looks like from outside.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import ssl
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.hub.operations.conftest import corpus_api, github_jobs, github_run
from tests.hub.response.fake_issues import FakeIssues

HOST = "127.0.0.1"
REPO = "/repos/octo-org/octo-repo"
SLACK_PATH = "/services/T000/B000/s3cr3tT0k3n"
COMMENTS = re.compile(rf"^{REPO}/issues/(\d+)/comments$")
COMMENT = re.compile(rf"^{REPO}/issues/comments/(\d+)$")
ISSUE = re.compile(rf"^{REPO}/issues/(\d+)$")
FIX_WORKFLOW = "orchestrate-fix.yml"  # the fixer policy's default workflow
FIX_RUN = 30433642  # the first run a dispatch of the fix workflow starts
FIX_RUNS = re.compile(rf"^{REPO}/actions/runs/(\d+)(/jobs)?$")


@dataclass(frozen=True)
class Request:
    """What ``FakeIssues`` reads of a request (the shape of ``responses``' requests)."""

    method: str
    url: str
    body: bytes


class FakeServices(ThreadingHTTPServer):
    """GitHub (the re-run of run ``run_id`` and its look-ups, issues, pull-request comments, the fix
    workflow's dispatches and runs) and Slack."""

    daemon_threads = True
    handler: type[BaseHTTPRequestHandler]  # Handler, set below; another provider's fake sets its own

    def __init__(self, run_id: int, certificate: tuple[Path, Path] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), self.handler)
        self.scheme = "http"
        self.certificate = certificate[0] if certificate is not None else None  # what clients trust
        if certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*certificate)
            self.socket = context.wrap_socket(self.socket, server_side=True)
            self.scheme = "https"
        self.run_id = run_id
        self.attempt = 1  # the run's latest attempt, as GitHub shows it
        self.issues = FakeIssues("github")
        self.comments: dict[int, dict[str, Any]] = {}
        self.comment_writes: list[tuple[str, int]] = []
        self.slack: list[dict[str, Any]] = []
        self.dispatches: list[dict[str, Any]] = []  # the bodies of the fix workflow's dispatches
        self.fix_runs: dict[int, dict[str, Any]] = {}  # the runs those dispatches started, by id
        self.arrived: Counter[str] = Counter()  # requests that make an effect, by kind
        self.slow: dict[str, float] = {}  # kind -> seconds the first request of that kind waits
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    @property
    def slack_url(self) -> str:
        return self.url + SLACK_PATH

    @property
    def reruns(self) -> int:
        return self.arrived["rerun"]

    def start(self) -> FakeServices:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.shutdown()
        self.server_close()

    def handle_error(self, request, client_address) -> None:
        """A killed worker's connection is gone when its answer is written: expected, not reported."""
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)

    def arrive(self, kind: str) -> float:
        """Count a request making an effect; how long to wait before answering it."""
        with self.lock:
            self.arrived[kind] += 1
            return self.slow.get(kind, 0.0) if self.arrived[kind] == 1 else 0.0


class Handler(BaseHTTPRequestHandler):
    server: FakeServices

    def do_GET(self) -> None:
        path, run = self.path.split("?")[0], f"{REPO}/actions/runs/{self.server.run_id}"
        attempt = self.server.attempt
        fix_run = FIX_RUNS.match(path)
        if fix_run and int(fix_run[1]) in self.server.fix_runs:
            found = self.server.fix_runs[int(fix_run[1])]
            return self.answer(200, github_jobs(found["id"], {"name": "fix"}) if fix_run[2] else found)
        if path == f"{REPO}/actions/workflows/{FIX_WORKFLOW}/runs":
            listed = list(reversed(self.server.fix_runs.values()))  # newest first, as GitHub lists them
            return self.answer(200, {"total_count": len(listed), "workflow_runs": listed})
        if path == f"{REPO}/pulls":
            return self.answer(200, [])  # the fix workflow has opened no pull request yet
        if path == f"{run}/jobs":
            jobs = github_jobs(self.server.run_id, {"name": "build", "run_attempt": attempt})
            return self.answer(200, jobs)
        if path == run:
            return self.answer(200, github_run(self.server.run_id, run_attempt=attempt, status="queued",
                                               conclusion=None))  # fmt: skip
        if path == f"{REPO}/issues":
            return self.relay(self.issues.listed(self.request_of(b"")))
        if match := COMMENTS.match(path):
            number = int(match[1])
            listed = [c for c in self.server.comments.values() if c["issue_url"].endswith(f"/{number}")]
            return self.answer(200, listed)
        self.answer(404, {"message": "Not Found"})

    def do_POST(self) -> None:
        body, path = self.read_body(), self.path.split("?")[0]
        if path == f"{REPO}/actions/runs/{self.server.run_id}/rerun-failed-jobs":
            with self.server.lock:
                self.server.attempt += 1  # GitHub starts the new attempt as it accepts the request
            return self.answer(201, {}, wait=self.server.arrive("rerun"))
        if path == f"{REPO}/actions/workflows/{FIX_WORKFLOW}/dispatches":
            with self.server.lock:
                started = self.dispatch(json.loads(body))
            return self.answer(200, started, wait=self.server.arrive("dispatch"))
        if path == f"{REPO}/issues":
            with self.server.lock:
                answer = self.issues.created(self.request_of(body))
            return self.relay(answer, wait=self.server.arrive("issue"))
        if match := COMMENTS.match(path):
            with self.server.lock:
                made = self.comment(int(match[1]), json.loads(body)["body"])
            return self.answer(201, made, wait=self.server.arrive("comment"))
        if path == SLACK_PATH:
            with self.server.lock:
                self.server.slack.append(json.loads(body))
            return self.answer(200, "ok", wait=self.server.arrive("slack"))
        self.answer(404, {"message": "Not Found"})

    def do_PATCH(self) -> None:
        body, path = self.read_body(), self.path.split("?")[0]
        if match := COMMENT.match(path):
            comment_id = int(match[1])
            kept = self.server.comments.get(comment_id)
            if kept is None:
                return self.answer(404, {"message": "Not Found"})
            with self.server.lock:
                kept["body"] = json.loads(body)["body"]
                self.server.comment_writes.append(("PATCH", comment_id))
            return self.answer(200, kept)
        if ISSUE.match(path):
            with self.server.lock:
                return self.relay(self.issues.edited(self.request_of(body)))
        self.answer(404, {"message": "Not Found"})

    @property
    def issues(self) -> FakeIssues:
        return self.server.issues

    def comment(self, number: int, body: str) -> dict[str, Any]:
        comment_id = 1000 + len(self.server.comments) + 1
        kept = corpus_api("github/examples/issues__create-comment.201.default.json") | {
            "id": comment_id, "body": body,
            "issue_url": f"https://api.github.com{REPO}/issues/{number}",
            "html_url": f"https://github.com/octo-org/octo-repo/pull/{number}#issuecomment-{comment_id}",
        }  # fmt: skip
        self.server.comments[comment_id] = kept
        self.server.comment_writes.append(("POST", comment_id))
        return kept

    def dispatch(self, body: dict[str, Any]) -> dict[str, Any]:
        """GitHub starts a run of the fix workflow, titled by the shipped workflow's ``run-name``
        (docs/fixer/github-orchestrate-fix.yml), and names it (``return_run_details``)."""
        run_id = FIX_RUN + len(self.server.fix_runs)
        self.server.dispatches.append(body)
        title = f"Orchestrate fix job #{body['inputs']['fix_job']}"
        self.server.fix_runs[run_id] = github_run(
            run_id, display_title=title, event="workflow_dispatch", head_branch=body["ref"], status="queued",
            conclusion=None,
        )  # fmt: skip
        return {"workflow_run_id": run_id, "run_url": f"{self.server.url}{REPO}/actions/runs/{run_id}",
                "html_url": f"https://github.com/octo-org/octo-repo/actions/runs/{run_id}"}  # fmt: skip

    def request_of(self, body: bytes) -> Request:
        return Request(self.command, f"{self.server.url}{self.path}", body)

    def read_body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def relay(self, answer: tuple[int, dict, str], *, wait: float = 0.0) -> None:
        """An answer of ``FakeIssues`` (a ``responses`` callback's: status, headers, JSON text)."""
        status, _, text = answer
        self.answer(status, json.loads(text), wait=wait)

    def answer(self, status: int, body: Any, *, wait: float = 0.0) -> None:
        time.sleep(wait)
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args) -> None:
        pass


FakeServices.handler = Handler


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, written under ``directory``: the server's, and the
    bundle the worker trusts (``REQUESTS_CA_BUNDLE``)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "loopback.pem", directory / "loopback.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path
