"""The hub down during the agent's uploads: the real ``orchestrate report``, then ``orchestrate upload``.

Two rounds against one hub (gunicorn) on a scratch PostgreSQL database, each with ``clients`` reports of
``cases`` JUnit cases sent at once, every report its own run:

1. *Down throughout*: gunicorn is stopped before the reports and started after they have all exited. The
   agent must fail open (exit 0) and keep each report in its spool; then ``orchestrate upload --keep``
   sends them, and a second ``orchestrate upload`` sends the same files again (a CI step retried).
2. *Restarted mid-upload*: gunicorn is stopped, the reports start, and it is started again ``down``
   seconds later, while the agent is still retrying; whatever is left in the spool is sent afterwards.

Then the database is counted per run: every report must land exactly once (one upload, all its results).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

from _audit import query
from _hub import REPO, Hub, log, running_hub, skip_note
from _load_figures import Row, zero_row

AGENT = str(Path(sys.executable).parent / "orchestrate")


def junit(cases: int, failing_every: int = 50) -> str:
    """A JUnit XML report of ``cases`` tests, one in ``failing_every`` failed."""
    body = []
    for index in range(cases):
        name = f'<testcase classname="tests.down.TestDown{index // 100}" name="test_{index}" time="0.01"'
        if index % failing_every == 7:
            body.append(
                f'{name}><failure message="{escape("expected 1 but was 2")}">trace</failure></testcase>'
            )
        else:
            body.append(f"{name}/>")
    return f'<testsuite name="down" tests="{cases}">{"".join(body)}</testsuite>\n'


def agent_env(hub: Hub, spool: Path) -> dict[str, str]:
    """The agent's environment: this hub, its token, a spool of the round's own, and no CI detected."""
    env = {k: v for k, v in hub.env.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI", "CIRCLE"))}
    env.update(
        ORCHESTRATE_HUB_URL=hub.url, ORCHESTRATE_TOKEN=hub.agent_token, ORCHESTRATE_SPOOL_DIR=str(spool)
    )
    return env


def start_report(hub: Hub, spool: Path, report: Path, run_id: str) -> subprocess.Popen:
    command = [
        AGENT,
        "report",
        "--junit",
        str(report),
        "--run-id",
        run_id,
        "--commit",
        "a" * 40,
        "--branch",
        "main",
        "--workflow",
        "CI",
        "--job-name",
        "tests",
        "--project",
        hub.project,
        "--json",
    ]
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=agent_env(hub, spool),
        stdout=subprocess.DEVNULL,  # its exit status and its spool are what is measured
        stderr=subprocess.DEVNULL,
    )


def upload_spool(hub: Hub, spool: Path, *extra: str) -> int:
    files = sorted(str(path) for path in spool.glob("*.json.gz"))
    if not files:
        return 0
    done = subprocess.run(
        [AGENT, "upload", *extra, *files],
        cwd=REPO,
        env=agent_env(hub, spool),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode:
        log(f"  orchestrate upload exited {done.returncode}: {done.stderr.strip()[-400:]}")
    return len(files)


def round_trip(hub: Hub, work: Path, label: str, clients: int, cases: int, down: float | None) -> dict:
    """One round: reports while the hub is down (restarted after ``down`` s, or after they all exit)."""
    spool = work / f"spool-{label}"
    spool.mkdir()
    report = work / f"junit-{label}.xml"
    report.write_text(junit(cases))
    hub.stop()
    started = time.monotonic()
    agents = [start_report(hub, spool, report, f"{label}-{n}") for n in range(clients)]
    if down is not None:
        time.sleep(down)
        hub.serve()
    exits = [agent.wait(timeout=300) for agent in agents]
    took = time.monotonic() - started
    kept = len(list(spool.glob("*.json.gz")))
    log(f"  {label}: {clients} reports exited {exits} after {took:.0f} s; {kept} kept in the spool")
    if down is None:
        hub.serve()
        upload_spool(hub, spool, "--keep")
    sent = upload_spool(hub, spool)  # down throughout: the same files again; mid-upload: what is left
    return {"exits": exits, "kept": kept, "resent": sent, "took": took}


def counts(hub: Hub, label: str) -> list[tuple[str, int, int]]:
    """(run id, uploads, results stored) of each run of the round."""
    return query(
        hub.backend,
        """SELECT r.provider_run_id, count(DISTINCT u.id),
                  (SELECT count(*) FROM runs_testresult t WHERE t.run_id = r.id)
           FROM runs_run r LEFT JOIN runs_upload u ON u.run_id = r.id
           WHERE r.provider_run_id LIKE ? GROUP BY r.id, r.provider_run_id""",
        (f"{label}-%",),
    )


def hub_down(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    if note := skip_note("postgresql"):
        return [], [note]
    clients = args.clients or (2 if args.quick else 4)
    cases = args.cases or (100 if args.quick else 2000)
    down = 3.0 if args.quick else 5.0
    rows: list[Row] = []
    with (
        running_hub("postgresql", database=args.database, REDIS_URL="") as hub,
        tempfile.TemporaryDirectory(prefix="orchestrate-down-") as tmp,
    ):
        for label, restart in (("down-throughout", None), ("restarted-mid-upload", down)):
            outcome = round_trip(hub, Path(tmp), label, clients, cases, restart)
            stored = {run: (uploads, results) for run, uploads, results in counts(hub, label)}
            expected = [f"{label}-{n}" for n in range(clients)]
            scenario = f"hub-down {label}"
            rows += [
                zero_row(
                    scenario,
                    "agent exits non-zero while the hub is down (fails open)",
                    sum(1 for code in outcome["exits"] if code),
                ),
                Row(
                    scenario,
                    "reports kept in the spool for `orchestrate upload`",
                    "-",
                    f"{outcome['kept']} of {clients}",
                ),
                zero_row(
                    scenario,
                    "lost: reports never stored",
                    sum(1 for run in expected if stored.get(run, (0, 0))[0] == 0),
                ),
                zero_row(
                    scenario,
                    "repeated: uploads beyond one per report",
                    sum(max(0, stored.get(run, (0, 0))[0] - 1) for run in expected),
                ),
                zero_row(
                    scenario,
                    "results stored other than the cases sent",
                    sum(abs(stored[run][1] - cases) for run in expected if run in stored),
                ),
            ]
    return rows, [f"hub-down: {clients} reports of {cases} cases a round; restarted after {down:.0f} s"]
