"""A fake GitHub on loopback for the loop benchmark: the repository's workflow dispatches, runs, pull
requests, commit statuses, comments, re-runs, merges and branch deletions, in GitHub's REST shapes, with
what it was asked kept for the benchmark to read.

It only answers and records: the simulated agent and CI (``_loop_drive.py``) read ``events`` (a fix
workflow dispatched, a run re-run) and play what follows. A merge is refused with GitHub's 409 when the
``sha`` sent is not the pull request's head, as GitHub does; every merge asked for is kept with the head
it carried, so the benchmark can score it against the truth. A request for anything else answers 404
and is counted in ``unknown``, so a new call the hub makes shows in the report instead of passing
silently.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPOSITORY = "bench/loop"
REPO = f"/repos/{REPOSITORY}"
WEB = f"https://github.com/{REPOSITORY}"
WHEN = "2026-12-07T12:00:00Z"
WORKFLOW = "orchestrate-fix.yml"


@dataclass
class Pull:
    number: int
    branch: str
    head: str
    body: str = ""
    merged: bool = False
    comments: list[str] = field(default_factory=list)

    def json(self) -> dict[str, Any]:
        repo = {"id": 1, "full_name": REPOSITORY, "html_url": WEB}
        return {
            "url": f"https://api.github.com{REPO}/pulls/{self.number}",
            "html_url": f"{WEB}/pull/{self.number}",
            "number": self.number,
            "state": "closed" if self.merged else "open",
            "title": f"Fix {self.branch}",
            "body": self.body,
            "merged_at": WHEN if self.merged else None,
            "head": {"label": f"bench:{self.branch}", "ref": self.branch, "sha": self.head, "repo": repo},
            "base": {"label": "bench:main", "ref": "main", "sha": "0" * 40, "repo": repo},
        }


def run_json(
    run_id: int,
    *,
    branch: str,
    sha: str,
    attempt: int = 1,
    event: str = "push",
    name: str = "CI",
    title: str = "",
    conclusion: str | None = None,
) -> dict[str, Any]:
    """A workflow run as ``GET /actions/runs/{id}`` and the ``workflow_run`` webhook show it."""
    return {
        "id": run_id,
        "name": name,
        "display_title": title or name,
        "run_number": run_id,
        "run_attempt": attempt,
        "event": event,
        "status": "completed" if conclusion else "queued",
        "conclusion": conclusion,
        "head_branch": branch,
        "head_sha": sha,
        "path": f".github/workflows/{WORKFLOW if event == 'workflow_dispatch' else 'ci.yml'}",
        "html_url": f"{WEB}/actions/runs/{run_id}",
        "url": f"https://api.github.com{REPO}/actions/runs/{run_id}",
        "created_at": WHEN,
        "updated_at": WHEN,
        "run_started_at": WHEN,
        "pull_requests": [],
    }


class FakeGitHub(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.runs: dict[int, dict[str, Any]] = {}
        self.pulls: dict[int, Pull] = {}
        self.statuses: dict[str, list[dict[str, Any]]] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []  # ("dispatch" | "rerun", what was asked)
        self.merges: list[dict[str, Any]] = []  # every merge asked for: number, sha, head, merged
        self.deleted: list[str] = []
        self.unknown: list[str] = []
        self.next_id = 900_000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeGitHub:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def new_id(self) -> int:
        with self.lock:
            self.next_id += 1
            return self.next_id

    def take_events(self) -> list[tuple[str, dict[str, Any]]]:
        with self.lock:
            taken, self.events = self.events, []
            return taken


ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(rf"^{REPO}$"), "repository"),
    ("POST", re.compile(rf"^{REPO}/actions/workflows/([^/]+)/dispatches$"), "dispatch"),
    ("GET", re.compile(rf"^{REPO}/actions/workflows/([^/]+)/runs$"), "workflow_runs"),
    ("GET", re.compile(rf"^{REPO}/actions/runs/(\d+)$"), "run"),
    ("GET", re.compile(rf"^{REPO}/actions/runs/(\d+)/jobs$"), "jobs"),
    ("POST", re.compile(rf"^{REPO}/actions/runs/(\d+)/(rerun|rerun-failed-jobs)$"), "rerun"),
    ("GET", re.compile(rf"^{REPO}/pulls$"), "find_pulls"),
    ("GET", re.compile(rf"^{REPO}/pulls/(\d+)$"), "pull"),
    ("GET", re.compile(rf"^{REPO}/pulls/(\d+)/files$"), "files"),
    ("PUT", re.compile(rf"^{REPO}/pulls/(\d+)/merge$"), "merge"),
    ("DELETE", re.compile(rf"^{REPO}/git/refs/heads/(.+)$"), "delete_ref"),
    ("GET", re.compile(rf"^{REPO}/commits/([0-9a-f]+)/statuses$"), "statuses"),
    ("GET", re.compile(rf"^{REPO}/issues/(\d+)/comments$"), "comments"),
    ("POST", re.compile(rf"^{REPO}/issues/(\d+)/comments$"), "comment"),
]


class Handler(BaseHTTPRequestHandler):
    server: FakeGitHub

    def do_GET(self) -> None:
        self.route("GET")

    def do_POST(self) -> None:
        self.route("POST")

    def do_PUT(self) -> None:
        self.route("PUT")

    def do_DELETE(self) -> None:
        self.route("DELETE")

    def route(self, method: str) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        for verb, pattern, name in ROUTES:
            match = pattern.match(parts.path)
            if verb == method and match:
                with self.server.lock:
                    status, answer = getattr(self, name)(
                        *match.groups(), body=body, query=parse_qs(parts.query)
                    )
                return self.answer(status, answer)
        with self.server.lock:
            self.server.unknown.append(f"{method} {parts.path}")
        self.answer(404, {"message": "Not Found", "documentation_url": "https://docs.github.com/rest"})

    def answer(self, status: int, body: Any) -> None:
        data = b"" if status == 204 else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass

    # --- the endpoints (called with the server's lock held) ------------------------------------------

    def repository(self, *, body, query) -> tuple[int, Any]:
        return 200, {
            "id": 1,
            "full_name": REPOSITORY,
            "default_branch": "main",
            "html_url": WEB,
            "private": False,
            "archived": False,
        }

    def dispatch(self, workflow: str, *, body, query) -> tuple[int, Any]:
        """GitHub's dispatch with ``return_run_details``: the run it started, named."""
        self.server.next_id += 1
        run_id = self.server.next_id
        inputs = body.get("inputs") or {}
        title = f"fix job #{inputs.get('fix_job', '')}"
        self.server.runs[run_id] = run_json(
            run_id,
            branch=body.get("ref", ""),
            sha="f" * 40,
            event="workflow_dispatch",
            name="orchestrate fix",
            title=title,
        )
        asked = {"run_id": run_id, "ref": body.get("ref"), "inputs": inputs, "workflow": workflow}
        self.server.events.append(("dispatch", asked))
        return 200, {
            "workflow_run_id": run_id,
            "run_url": f"https://api.github.com{REPO}/actions/runs/{run_id}",
            "html_url": f"{WEB}/actions/runs/{run_id}",
        }

    def workflow_runs(self, workflow: str, *, body, query) -> tuple[int, Any]:
        branch = (query.get("branch") or [""])[0]
        runs = [
            r
            for r in self.server.runs.values()
            if r["event"] == "workflow_dispatch" and (not branch or r["head_branch"] == branch)
        ]
        return 200, {"total_count": len(runs), "workflow_runs": runs}

    def run(self, run_id: str, *, body, query) -> tuple[int, Any]:
        found = self.server.runs.get(int(run_id))
        return (200, found) if found else (404, {"message": "Not Found"})

    def jobs(self, run_id: str, *, body, query) -> tuple[int, Any]:
        found = self.server.runs.get(int(run_id))
        if not found:
            return 404, {"message": "Not Found"}
        job = {
            "id": int(run_id) * 10,
            "run_id": int(run_id),
            "name": "build",
            "status": found["status"],
            "conclusion": found["conclusion"],
            "run_attempt": found["run_attempt"],
            "html_url": f"{found['html_url']}/job/{int(run_id) * 10}",
            "started_at": WHEN,
            "completed_at": WHEN if found["conclusion"] else None,
        }
        return 200, {"total_count": 1, "jobs": [job]}

    def rerun(self, run_id: str, which: str, *, body, query) -> tuple[int, Any]:
        if int(run_id) not in self.server.runs:
            return 404, {"message": "Not Found"}
        self.server.events.append(("rerun", {"run_id": int(run_id), "failed_only": which != "rerun"}))
        return 201, {}

    def find_pulls(self, *, body, query) -> tuple[int, Any]:
        head = (query.get("head") or [""])[0].split(":", 1)[-1]
        return 200, [p.json() for p in self.server.pulls.values() if p.branch == head]

    def pull(self, number: str, *, body, query) -> tuple[int, Any]:
        found = self.server.pulls.get(int(number))
        return (200, found.json()) if found else (404, {"message": "Not Found"})

    def files(self, number: str, *, body, query) -> tuple[int, Any]:
        return 200, [
            {
                "sha": "bbcd538c8e72b8c175046e27cc8f907076331401",
                "filename": "app/config.py",
                "status": "modified",
                "additions": 3,
                "deletions": 1,
                "changes": 4,
            }
        ]

    def merge(self, number: str, *, body, query) -> tuple[int, Any]:
        found = self.server.pulls.get(int(number))
        if found is None:
            return 404, {"message": "Not Found"}
        fresh = body.get("sha") == found.head and not found.merged
        self.server.merges.append(
            {"number": found.number, "sha": body.get("sha"), "head": found.head, "merged": fresh}
        )
        if not fresh:
            return 409, {
                "message": "Head branch was modified. Review and try the merge again.",
                "documentation_url": "https://docs.github.com/rest/pulls/pulls#merge-a-pull-request",
            }
        found.merged = True
        return 200, {
            "sha": f"{found.number:040x}",
            "merged": True,
            "message": "Pull Request successfully merged",
        }

    def delete_ref(self, ref: str, *, body, query) -> tuple[int, Any]:
        self.server.deleted.append(ref)
        return 204, None

    def statuses(self, sha: str, *, body, query) -> tuple[int, Any]:
        return 200, self.server.statuses.get(sha, [])

    def comments(self, number: str, *, body, query) -> tuple[int, Any]:
        found = self.server.pulls.get(int(number))
        return 200, [_comment(int(number), i, text) for i, text in enumerate(found.comments if found else [])]

    def comment(self, number: str, *, body, query) -> tuple[int, Any]:
        found = self.server.pulls.get(int(number))
        if found is None:
            return 404, {"message": "Not Found"}
        found.comments.append(body.get("body", ""))
        return 201, _comment(int(number), len(found.comments) - 1, found.comments[-1])


def _comment(number: int, index: int, text: str) -> dict[str, Any]:
    comment_id = number * 1000 + index
    return {
        "id": comment_id,
        "body": text,
        "user": {"login": "orchestrate[bot]", "type": "Bot"},
        "html_url": f"{WEB}/pull/{number}#issuecomment-{comment_id}",
    }
