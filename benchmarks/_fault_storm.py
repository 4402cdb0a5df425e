"""Provider APIs answering 5xx and 429 storms: the hub's re-runs and log fetches against a fake GitHub.

A threaded HTTP server on loopback plays GitHub's REST API for one repository. Each run (re-run) and job
(log fetch) gets one kind of storm (``SCRIPTS``), the kinds taking turns:

* re-run, ``429 then accepted``: 429 with ``Retry-After: 1`` three times, then 201;
* re-run, ``5xx on the read after``: the re-run is accepted, the read of the run that follows answers 502,
  503, then 200 (reads may be retried);
* re-run, ``answer lost``: the CI begins the re-run, then the gateway answers 502 (a mutation must not be
  sent again: the CI may already be running it, and the action's message must say so);
* re-run, ``429 beyond the wait``: ``Retry-After: 60``, longer than an operator's action waits (it must
  give up and say when, not hammer);
* re-run, ``503 with Retry-After``: two of them, then 201 (a mutation is not sent again on a 5xx, so the
  action fails saying the CI may have begun it and when to ask again);
* log, ``502, 503, then 200``; ``429 then 200`` (``Retry-After: 1`` twice); ``500 storm``.

The server records every request; from that it counts attempts, whether each ``Retry-After`` was waited
out before the same request came again, and how many re-runs each run got (target: never two).
"""

from __future__ import annotations

import argparse
import json
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from _hub import Hub, hub_environment, log, scratch_backend, skip_note
from _load_figures import Row, zero_row
from ingest import p

PATH = re.compile(r"/repos/storm/provider/actions/(runs|jobs)/(\d+)(/rerun-failed-jobs|/logs)?$")
OPERATIONS = {  # (method, kind of id, suffix) -> operation
    ("POST", "runs", "/rerun-failed-jobs"): "rerun",
    ("GET", "runs", None): "read run",
    ("GET", "jobs", "/logs"): "log",
}
SUCCESS = {"rerun": 201, "read run": 200, "log": 200}
Answer = tuple[int, str | None]  # status, Retry-After
# kind -> {operation: answers in turn}; after them, the operation succeeds.
SCRIPTS: dict[str, dict[str, list[Answer]]] = {
    "re-run: 429 then accepted": {"rerun": [(429, "1"), (429, "1"), (429, "1")]},
    "re-run: 5xx on the read after": {"read run": [(502, None), (503, None)]},
    "re-run: answer lost": {"rerun": [(502, None)]},
    "re-run: 429 beyond the wait": {"rerun": [(429, "60")] * 20},
    "re-run: 503 with Retry-After": {"rerun": [(503, "1"), (503, "1")]},
    "log: 502, 503, then 200": {"log": [(502, None), (503, None)]},
    "log: 429 then 200": {"log": [(429, "1"), (429, "1")]},
    "log: 500 storm": {"log": [(500, None)] * 20},
}
KINDS = tuple(SCRIPTS)
HUB_SIDE = Path(__file__).with_name("_storm_hub.py")
RERUN_KINDS = tuple(kind for kind in KINDS if kind.startswith("re-run"))
LOG_KINDS = tuple(kind for kind in KINDS if kind.startswith("log"))
# A re-run answered 5xx may have begun at the CI: never sent again, its action must say so.
UNCERTAIN = ("re-run: answer lost", "re-run: 503 with Retry-After")
MAY_HAVE = "may have acted on the request"
LOG_TEXT = (
    "##[group]Run pytest\nE   AssertionError: expected 1 but was 2\n"
    "##[error]Process completed with exit code 1.\n"
)


@dataclass
class Seen:
    at: float
    operation: str
    target: str  # the run's or the job's id
    status: int
    retry_after: float | None


@dataclass
class FakeGitHub:
    """The storm's state: each id's kind, every request seen, and the re-runs the CI began."""

    kinds: dict[str, str] = field(default_factory=dict)  # run or job id -> kind
    seen: list[Seen] = field(default_factory=list)
    started: dict[str, int] = field(default_factory=dict)  # run id -> re-runs the CI began
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str) -> tuple[int, bytes, str | None]:
        match = PATH.match(path)
        operation = OPERATIONS.get((method, match.group(1), match.group(3))) if match else None
        if operation is None or match.group(2) not in self.kinds:
            return 404, b'{"message": "Not Found"}', None
        target = match.group(2)
        with self.lock:
            done = sum(1 for s in self.seen if s.target == target and s.operation == operation)
            script = SCRIPTS[self.kinds[target]].get(operation, [])
            status, retry_after = script[done] if done < len(script) else (SUCCESS[operation], None)
            if operation == "rerun" and (status == 201 or self.kinds[target] == "re-run: answer lost"):
                self.started[target] = self.started.get(target, 0) + 1  # a 502 after the CI began it
            self.seen.append(
                Seen(time.monotonic(), operation, target, status, float(retry_after or 0) or None)
            )
        return status, self.body(operation, target, status), retry_after

    @staticmethod
    def body(operation: str, target: str, status: int) -> bytes:
        if status >= 400:
            return json.dumps(
                {"message": "API rate limit exceeded" if status == 429 else "Server Error"}
            ).encode()
        if operation == "log":
            return LOG_TEXT.encode()
        if operation == "rerun":
            return b""
        run = {
            "id": int(target),
            "name": "CI",
            "status": "queued",
            "conclusion": None,
            "run_attempt": 2,
            "head_branch": "main",
            "head_sha": "a" * 40,
            "html_url": f"https://github.com/storm/provider/actions/runs/{target}",
        }
        return json.dumps(run).encode()


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, data, retry_after = fake.answer(self.command, self.path.split("?")[0])
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if data.startswith(b"##") else "application/json")
            self.send_header("Content-Length", str(len(data)))
            if retry_after:
                self.send_header("Retry-After", retry_after)
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = _reply  # http.server's names

        def log_message(self, *args: object) -> None:  # quiet: the figures say what happened
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def says_may_have_begun(action: dict) -> bool:
    """A re-run answered 5xx either succeeded after all or failed saying the CI may have begun it."""
    return action["outcome"] != "failed" or MAY_HAVE in action["message"]


def waits(fake: FakeGitHub) -> tuple[int, int]:
    """(Retry-After answers, those whose same request came again sooner than asked)."""
    asked = short = 0
    for index, seen in enumerate(fake.seen):
        if seen.retry_after is None:
            continue
        asked += 1
        later = next(
            (s for s in fake.seen[index + 1 :] if s.target == seen.target and s.operation == seen.operation),
            None,
        )
        short += later is not None and later.at - seen.at < seen.retry_after - 0.05
    return asked, short


def provider_storm(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    rounds = args.clients or (1 if args.quick else 4)
    runs = {str(1000 + n): kind for n, kind in enumerate(RERUN_KINDS * rounds)}
    jobs = {str(5000 + n): kind for n, kind in enumerate(LOG_KINDS * rounds)}
    fake = FakeGitHub(kinds={**runs, **jobs})
    server = serve(fake)
    backend_name = "sqlite" if skip_note("postgresql") else "postgresql"
    try:
        with (
            tempfile.TemporaryDirectory(prefix="orchestrate-storm-") as tmp,
            scratch_backend(backend_name, Path(tmp), args.database) as backend,
        ):
            hub = Hub(backend, Path(tmp))
            hub.env = {**hub_environment(backend, Path(tmp)), "REDIS_URL": ""}
            hub.manage("migrate", "--noinput")
            api = f"http://127.0.0.1:{server.server_address[1]}"
            done = hub.helper("storm", api, ",".join(runs), ",".join(jobs), script=str(HUB_SIDE))
    finally:
        server.shutdown()
        server.server_close()
    log(f"  provider storm: {len(runs)} re-runs, {len(jobs)} log fetches, {len(fake.seen)} requests")
    note = f"provider-storm on {backend_name}: {rounds} of each kind; answers per kind in _fault_storm.py"
    return storm_rows(fake, done["reruns"], done["logs"]), [note]


def storm_rows(fake: FakeGitHub, reruns: list[dict], logs: list[dict]) -> list[Row]:
    asked, short = waits(fake)
    rows = [
        Row(
            "provider-storm",
            "requests to the provider, operations",
            "-",
            f"{len(fake.seen)}, {len(reruns) + len(logs)}",
        ),
        Row(
            "provider-storm",
            "Retry-After waits honoured",
            f"{asked} of {asked}",
            f"{asked - short} of {asked}",
            verdict="PASS" if short == 0 else "FAIL",
        ),
        zero_row(
            "provider-storm",
            "repeated: runs re-run more than once",
            sum(max(0, n - 1) for n in fake.started.values()),
        ),
        zero_row(
            "provider-storm",
            "re-runs failed on a 5xx not saying the CI may have begun them",
            sum(1 for a in reruns if fake.kinds[a["id"]] in UNCERTAIN and not says_may_have_begun(a)),
        ),
        zero_row(
            "provider-storm",
            "lost: re-runs reported done that never began",
            sum(1 for a in reruns if a["outcome"] == "succeeded" and not fake.started.get(a["id"])),
        ),
    ]
    for kind in KINDS:
        mine = [item for item in (reruns if kind in RERUN_KINDS else logs) if fake.kinds[item["id"]] == kind]
        ok = sum(1 for item in mine if item["outcome"] in ("succeeded", "stored"))
        seconds = [item["seconds"] for item in mine]
        tries = sum(1 for seen in fake.seen if fake.kinds[seen.target] == kind)
        began = (
            f", {sum(1 for item in mine if fake.started.get(item['id']))} begun"
            if kind in RERUN_KINDS
            else ""
        )
        rows.append(
            Row(
                "provider-storm",
                f"{kind}: done{' (re-runs begun)' if began else ''}, requests, s p50/max",
                "-",
                f"{ok}/{len(mine)}{began}, {tries}, {p(seconds, 50):.1f}/{max(seconds):.1f}",
            )
        )
    return rows
