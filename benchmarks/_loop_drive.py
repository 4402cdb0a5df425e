"""The Django side of the loop benchmark: the real hub, driven in-process with tasks inline (``Q_SYNC``).

    python benchmarks/_loop_drive.py '{"seed": 1, "runs": 20, "flaky_rate": 0.3, "scenarios": [...]}'

run with the hub's environment (``DATABASE_URL``, ``Q_SYNC=true``) on a migrated scratch database;
prints one JSON document: every instance's outcome as the hub left it, beside its truth.

Everything the hub sees arrives the way it does in production (``_loop_hub.Doors``): reports through
``POST /api/v1/reports`` (the agent's document, with its token) and GitHub's signed webhooks through
``POST /webhooks/github``, both through Django's test client (the whole request, no network); with
``Q_SYNC`` each task (the analysis, the responders, the fix job, the fix rounds, the merge decision)
runs inline after its commit. The hub calls GitHub through its own client at
``_loop_github.FakeGitHub`` on loopback. The simulated agent and CI here answer what the hub asked for:
a dispatched fix workflow opens or updates its pull request (or times out), then CI runs on the new head
and its outcome is drawn from the head's truth (``_loop_world``); a re-run the hub asks for runs the
head again.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loop_github import REPOSITORY, WORKFLOW, FakeGitHub, Pull, run_json
from _loop_hub import Doors
from _loop_world import CI_MINUTES, FIX_MINUTES, FLAKY, TIMING, Head, Instance, plan

MAX_EVENTS = 40  # an instance the hub keeps busy longer than this is cut off and reported as waiting


@dataclass
class CiRun:
    run_id: int
    sha: str
    attempt: int
    green: bool
    minute: float  # simulated minutes from the red run to this run's completion
    failing: list[str]


@dataclass
class Played:
    """What happened to one instance: the heads pushed, their CI runs, the hub's moves."""

    instance: Instance
    main_run: int = 0
    main_sha: str = ""
    clock: float = 0.0
    pull: Pull | None = None
    dispatches: int = 0
    reruns: int = 0
    heads: dict[str, Head] = field(default_factory=dict)  # sha -> the head's truth
    runs: list[CiRun] = field(default_factory=list)
    merged_at: float | None = None
    merge_wall: float | None = None  # the hub's wall seconds for the post that ended in the merge
    hub_seconds: float = 0.0
    cut_off: bool = False


class Loop:
    """The simulated agent and CI, answering what the hub asks of the fake GitHub."""

    def __init__(self, github: FakeGitHub) -> None:
        self.github = github
        self.hub = Doors(github.url)
        self.project = self.hub.project

    def completed(self, played: Played, run: dict[str, Any], conclusion: str) -> None:
        run.update(status="completed", conclusion=conclusion)
        if (
            played.pull is not None
            and run["head_branch"] == played.pull.branch
            and run["event"] != "workflow_dispatch"
        ):
            run["pull_requests"] = [
                {
                    "number": played.pull.number,
                    "head": {"ref": played.pull.branch, "sha": run["head_sha"]},
                    "base": {"ref": "main", "sha": "0" * 40},
                }
            ]
        merges = len(self.github.merges)
        took = self.hub.webhook(
            "workflow_run",
            {"action": "completed", "workflow_run": dict(run), "workflow": {"name": run["name"]}},
        )
        played.hub_seconds += took
        if played.merged_at is None and any(m["merged"] for m in self.github.merges[merges:]):
            played.merged_at, played.merge_wall = played.clock, took

    def pull_request(self, played: Played, action: str) -> None:
        pr = played.pull.json()
        played.hub_seconds += self.hub.webhook(
            "pull_request", {"action": action, "number": played.pull.number, "pull_request": pr}
        )

    # --- the simulated world -----------------------------------------------------------------------

    def sha(self, played: Played) -> str:
        return f"{played.instance.rng.getrandbits(160):040x}"

    def teach_flaky(self, played: Played) -> None:
        """History that shows the hub the test is flaky: it failed, then passed on a re-run of the commit."""
        run_id, sha, test = self.github.new_id(), self.sha(played), played.instance.red_test
        self.hub.report(run_id, sha, "main", [(test, TIMING)])
        self.hub.report(run_id, sha, "main", [], attempt=2, passing=(test, "test_steady"))

    def play(self, instance: Instance) -> Played:
        played = Played(instance)
        if instance.scenario == FLAKY:
            self.teach_flaky(played)
        played.main_run, played.main_sha = self.github.new_id(), self.sha(played)
        self.hub.report(played.main_run, played.main_sha, "main", [(instance.red_test, instance.red_message)])
        run = self.github.runs[played.main_run] = run_json(
            played.main_run, branch="main", sha=played.main_sha
        )
        self.completed(played, run, "failure")
        for _ in range(MAX_EVENTS):
            events = self.github.take_events()
            if not events:
                return played
            for kind, asked in events:
                if kind == "dispatch" and asked["workflow"] == WORKFLOW:
                    self.dispatched(played, asked)
                else:
                    self.rerun(played, asked)
        played.cut_off = True
        return played

    def dispatched(self, played: Played, asked: dict[str, Any]) -> None:
        """The fix workflow runs: the agent pushes its round's commit and the pull request follows, or
        it times out without one; then CI runs on the new head."""
        played.dispatches += 1
        played.clock += played.instance.minutes(FIX_MINUTES)
        workflow_run = self.github.runs[asked["run_id"]]
        head = played.instance.head(played.dispatches)
        if head is None:
            self.completed(played, workflow_run, "timed_out")
            return
        sha = self.sha(played)
        played.heads[sha] = head
        workflow_run["head_sha"] = played.pull.head if played.pull else played.main_sha
        branch = f"orchestrate/fix-{asked['inputs']['fix_job']}"
        if played.pull is None:
            number = len(self.github.pulls) + 1
            fixes = f"Fixes tests.test_app::{played.instance.red_test}"
            played.pull = self.github.pulls[number] = Pull(number, branch, sha, body=fixes)
            self.pull_request(played, "opened")
        else:
            played.pull.head = sha
            self.pull_request(played, "synchronize")
        self.completed(played, workflow_run, "success")
        state = "success" if head.validates else "failure"
        self.github.statuses[sha] = [
            {
                "state": state,
                "context": "orchestrate/validate",
                "description": "build, start, health check",
                "target_url": "",
                "url": f"https://api.github.com/repos/{REPOSITORY}/statuses/{sha}",
            }
        ]
        self.ci(played, sha, self.github.new_id(), 1)

    def ci(self, played: Played, sha: str, run_id: int, attempt: int) -> None:
        """One CI run of the fix's head: its outcome drawn from the head's truth."""
        head = played.heads[sha]
        failing = head.failing(played.instance.rng)
        played.clock += played.instance.minutes(CI_MINUTES)
        passing = (played.instance.red_test, "test_steady", head.broken_test or "test_more")
        self.hub.report(run_id, sha, played.pull.branch, failing, attempt=attempt, passing=passing)
        run = self.github.runs[run_id] = run_json(
            run_id, branch=played.pull.branch, sha=sha, attempt=attempt, event="pull_request"
        )
        played.runs.append(CiRun(run_id, sha, attempt, not failing, played.clock, [n for n, _ in failing]))
        self.completed(played, run, "failure" if failing else "success")

    def rerun(self, played: Played, asked: dict[str, Any]) -> None:
        """A re-run the hub asked for: the same head's CI again, as its next attempt; or a workflow other
        than the fix's dispatched on the fix branch (a proof run, say): a new CI run of the head."""
        played.reruns += 1
        if "workflow" in asked:
            if played.pull is not None:
                self.ci(played, played.pull.head, asked["run_id"], 1)
            return
        last = next((r for r in reversed(played.runs) if r.run_id == asked["run_id"]), None)
        if last is not None:
            self.ci(played, last.sha, last.run_id, last.attempt + 1)


def outcome(loop: Loop, played: Played) -> dict[str, Any]:
    """The instance as the hub left it (the fix job, its merge) beside the truth of every head."""
    from hub.response.models import FixJob

    job = FixJob.objects.filter(project=loop.project, key=f"fixer:{played.main_run}:1").first()
    pull = played.pull
    merged = [
        m for m in loop.github.merges if pull is not None and m["number"] == pull.number and m["merged"]
    ]
    last = job.events.order_by("pk").last() if job is not None else None
    return {
        "scenario": played.instance.scenario,
        "index": played.instance.index,
        "job_state": job.state if job is not None else "none",
        "job_reason": last.reason if last is not None else "",
        "merged_sha": merged[0]["sha"] if merged else None,
        "merged_good": played.heads[merged[0]["sha"]].good if merged else None,
        "merges_refused": sum(
            1
            for m in loop.github.merges
            if pull is not None and m["number"] == pull.number and not m["merged"]
        ),
        "minutes_to_merge": played.merged_at,
        "merge_wall_seconds": played.merge_wall,
        "hub_seconds": played.hub_seconds,
        "dispatches": played.dispatches,
        "reruns": played.reruns,
        "comments": len(pull.comments) if pull is not None else 0,
        "cut_off": played.cut_off,
        "runs": [
            {
                "sha": r.sha,
                "attempt": r.attempt,
                "green": r.green,
                "minute": r.minute,
                "good": played.heads[r.sha].good,
                "validates": played.heads[r.sha].validates,
            }
            for r in played.runs
        ],
    }


def drive(config: dict[str, Any]) -> dict[str, Any]:
    github = FakeGitHub().start()
    try:
        loop = Loop(github)
        outcomes = []
        started = time.perf_counter()
        for scenario in config["scenarios"]:
            for index in range(config["runs"]):
                instance = plan(scenario, index, config["seed"], config["flaky_rate"])
                outcomes.append(outcome(loop, loop.play(instance)))
        return {
            "outcomes": outcomes,
            "seconds": time.perf_counter() - started,
            "unknown_requests": sorted(set(github.unknown)),
        }
    finally:
        github.shutdown()


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(drive(json.loads(sys.argv[1]))))
