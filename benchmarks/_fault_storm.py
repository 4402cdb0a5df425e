"""Provider APIs answering 5xx and 429 storms: the hub's re-run action against a fake GitHub on loopback.

A threaded HTTP server plays GitHub's REST API for one repository. Each run gets one storm, by its
index, so every kind is exercised with ``runs`` actions in all:

* ``429 then accepted``: the re-run is answered 429 with ``Retry-After: 1`` a few times, then 201;
* ``5xx on the read after``: the re-run is accepted, the read of the run that follows answers 502, 503,
  then 200 (reads may be retried);
* ``answer lost``: the re-run is started, then the gateway answers 502 (a mutation must not be sent again:
  the CI may already be running it);
* ``429 beyond the wait``: ``Retry-After: 60``, longer than the hub waits for an operator (it must give up
  and say when, not hammer);
* ``503 with Retry-After on the re-run``: two of them, then 201.

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

RUN_PATH = re.compile(r"/repos/storm/provider/actions/runs/(\d+)(/rerun-failed-jobs)?$")
KINDS = (
    "429 then accepted",
    "5xx on the read after",
    "answer lost",
    "429 beyond the wait",
    "503 with Retry-After on the re-run",
)
SCRIPTS: dict[str, dict[str, list[tuple[int, str | None]]]] = {
    # kind -> {"POST" or "GET": [(status, Retry-After), ...] answered in turn; afterwards 201 / 200}
    "429 then accepted": {"POST": [(429, "1"), (429, "1"), (429, "1")]},
    "5xx on the read after": {"GET": [(502, None), (503, None)]},
    "answer lost": {"POST": [(502, None)]},
    "429 beyond the wait": {"POST": [(429, "60")] * 20},
    "503 with Retry-After on the re-run": {"POST": [(503, "1"), (503, "1")]},
}


@dataclass
class Seen:
    at: float
    method: str
    run: str
    status: int
    retry_after: float | None


@dataclass
class FakeGitHub:
    """The storm's state: what each run's next answer is, every request seen, and re-runs started."""

    kinds: dict[str, str] = field(default_factory=dict)  # run id -> kind
    seen: list[Seen] = field(default_factory=list)
    started: dict[str, int] = field(default_factory=dict)  # run id -> re-runs the CI began
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, path: str) -> tuple[int, dict, str | None]:
        match = RUN_PATH.match(path)
        if match is None or (method == "POST") != bool(match.group(2)):
            return 404, {"message": "Not Found"}, None
        run = match.group(1)
        with self.lock:
            done = sum(1 for s in self.seen if s.run == run and s.method == method)
            script = SCRIPTS[self.kinds[run]].get(method, [])
            status, retry_after = (
                script[done] if done < len(script) else (201 if method == "POST" else 200, None)
            )
            if method == "POST" and (status == 201 or self.kinds[run] == "answer lost"):
                self.started[run] = self.started.get(run, 0) + 1  # a 502 after the CI began it
            self.seen.append(Seen(time.monotonic(), method, run, status, float(retry_after or 0) or None))
        if status >= 400:
            return (
                status,
                {"message": "API rate limit exceeded" if status == 429 else "Server Error"},
                retry_after,
            )
        body = {
            "id": int(run),
            "name": "CI",
            "status": "queued",
            "conclusion": None,
            "run_attempt": 2,
            "head_branch": "main",
            "head_sha": "a" * 40,
            "html_url": f"https://github.com/storm/provider/actions/runs/{run}",
        }
        return status, ({} if method == "POST" else body), None


def serve(fake: FakeGitHub) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            status, body, retry_after = fake.answer(self.command, self.path.split("?")[0])
            data = json.dumps(body).encode() if status != 201 else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
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


def waits(fake: FakeGitHub) -> tuple[int, int]:
    """(Retry-After answers, those whose same request came again sooner than asked)."""
    asked = short = 0
    for index, seen in enumerate(fake.seen):
        if seen.retry_after is None:
            continue
        asked += 1
        later = next(
            (s for s in fake.seen[index + 1 :] if s.run == seen.run and s.method == seen.method), None
        )
        short += later is not None and later.at - seen.at < seen.retry_after - 0.05
    return asked, short


def provider_storm(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    runs = args.clients or (len(KINDS) if args.quick else 4 * len(KINDS))
    fake = FakeGitHub(kinds={str(1000 + n): KINDS[n % len(KINDS)] for n in range(runs)})
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
            started = time.monotonic()
            api = f"http://127.0.0.1:{server.server_address[1]}"
            actions = hub.helper(
                "rerun", api, ",".join(fake.kinds), script=str(Path(__file__).with_name("_storm_hub.py"))
            )
            took = time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()
    log(f"  provider storm: {len(actions)} re-run actions in {took:.0f} s, {len(fake.seen)} requests")
    return storm_rows(fake, actions), [
        f"provider-storm on {backend_name}: {runs} runs, kinds {', '.join(KINDS)}"
    ]


def storm_rows(fake: FakeGitHub, actions: list[dict]) -> list[Row]:
    asked, short = waits(fake)
    rows = [
        Row(
            "provider-storm",
            "requests to the provider / re-run actions",
            "-",
            f"{len(fake.seen)} / {len(actions)}",
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
    ]
    for kind in KINDS:
        mine = [a for a in actions if fake.kinds[a["run"]] == kind]
        ok = sum(1 for a in mine if a["outcome"] == "succeeded")
        began = sum(1 for a in mine if fake.started.get(a["run"]))
        seconds = [a["seconds"] for a in mine]
        tries = sum(1 for s in fake.seen if fake.kinds[s.run] == kind)
        rows.append(
            Row(
                "provider-storm",
                f"{kind}: succeeded, re-runs begun, requests, seconds p50/max",
                "-",
                f"{ok}/{len(mine)}, {began}, {tries}, {p(seconds, 50):.1f}/{max(seconds):.1f}",
            )
        )
    lost = sum(1 for a in actions if a["outcome"] == "succeeded" and not fake.started.get(a["run"]))
    rows.append(zero_row("provider-storm", "lost: actions reported done, re-run never begun", lost))
    return rows
