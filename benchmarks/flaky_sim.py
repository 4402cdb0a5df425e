"""How well the hub tells flaky tests from real regressions, scored against a simulated ground truth.

    python benchmarks/flaky_sim.py [--backend sqlite|postgresql] [--hard] [--quick] [--seed N] [--dry-run]
                                   [--prs both|with|without]

``_flaky_world.py`` generates a repository's CI history with ground truth (commits on main, pull
requests, flaky tests with known flake rates from 0.5% to 30%, regressions that start at a commit and are
fixed later, lint checks that authors break and mend on their next push, pull requests closed while
broken, infrastructure outages, re-runs, retries inside jobs). By default it plays two histories of the
same seed, one with pull requests and one without, so their figures can be set side by side; for each
it starts a real hub
(gunicorn, a scratch database, ``Q_SYNC=true`` so the analysis task runs inline after each ingest) and
posts every job's report to ``POST /api/v1/reports`` in order, as the agent would. Then it reads the
verdicts: the final ones from ``GET /api/v1/flaky`` when that route answers (else from the database),
and every state change with its time from the database, and scores them:

* precision: flaky tests among the tests ever labelled flaky;
* recall among the flaky tests that genuinely failed at least twice (in two jobs, outages left out),
  and overall;
* false alarms: healthy tests ever labelled flaky or suspected;
* regressions and lint checks ever labelled flaky (both must be 0), and regressions labelled broken
  (with a correct onset);
* flaps: how often a flaky test lost its flaky verdict (must be 0: no simulated rate ever changes);
* time to detection: ingests from the upload that brought a flaky test's second failing job to the
  upload during which it was first labelled flaky, and seconds from that upload's start to the verdict;
* time from the evidence: ingests from the first upload after which the reports hold evidence a
  reviewer would accept (a retry that passed, a pass and a failure on one commit, or two isolated
  failures on the default branch: ``_flaky_evidence.py``) to the flaky verdict. The second failing job
  is often not evidence (a failure on a pull request that its next commit mended is the author's change
  as likely as a flake) or not yet (the latest default-branch run looks like a breakage until the next
  run there passes), so the first clock also counts waiting for more.

Beside ours, two baselines scored on the same history in this process: *naive* ("a test that failed and
later passed, anywhere, is flaky") and *same commit* ("a test that passed and failed on one commit SHA",
the re-run heuristic), and the published anchors (DeFlaker; Mozilla's heuristic classifier).
``--hard`` takes the retries inside jobs away (fewer re-runs, more outages), so the default branch's
history has to tell flaky tests from regressions. ``--quick`` is a smoke test (about 15 s); its figures
say little.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import requests
from _flaky_evidence import evidence_uploads, ingests_from_evidence
from _flaky_hub import HubCommandError, call
from _flaky_report import anchors, compared, comparison_table, details, rows_for, table
from _flaky_score import Posted, detection_times, hub_verdicts, naive_verdicts, score
from _flaky_world import HARD, QUICK, REPOSITORY, Kind, Scenario, SimUpload, World  # the script's dir
from _hub import Hub, postgres_unavailable, running_hub

from agent.document import iter_document


class SimError(RuntimeError):
    pass


# --- Driving the hub -----------------------------------------------------------------------------------


def body(upload: SimUpload) -> bytes:
    return b"".join(iter_document(upload.context, upload.cases, project=REPOSITORY))


def post_all(hub: Hub, uploads: Iterable[SimUpload], log) -> Posted:
    posted = Posted([], [])
    headers = {"Authorization": f"Bearer {hub.agent_token}", "Content-Type": "application/json"}
    with requests.Session() as session:
        for upload in uploads:
            data = body(upload)
            context = upload.context
            key = f"sim-{context.run_id}-{context.run_attempt}-{context.job_name}"
            start = time.time()
            response = session.post(
                f"{hub.url}/api/v1/reports",
                data=data,
                headers={**headers, "Idempotency-Key": key},
                timeout=300,
            )
            posted.starts.append(start)
            posted.ends.append(time.time())
            if response.status_code != 201:
                detail = hub.log_tail() if response.status_code >= 500 else response.text[:500]
                raise SimError(f"upload {upload.index} answered {response.status_code}:\n{detail}")
            if (upload.index + 1) % 200 == 0:
                log(f"  {upload.index + 1} uploads posted")
    return posted


def django_json(hub: Hub, *args: str) -> Any:
    try:
        return call(hub.env, *args)
    except HubCommandError as exc:
        raise SimError(str(exc)) from None


def api_states(hub: Hub) -> dict[tuple[str, str], str] | None:
    """Final states from ``GET /api/v1/flaky`` (every page), or None while the route is not mounted."""
    headers = {"Authorization": f"Bearer {hub.api_token}"}
    url: str | None = f"{hub.url}/api/v1/flaky?project={REPOSITORY}&page_size=500"  # non-healthy states
    states: dict[tuple[str, str], str] = {}
    while url:
        response = requests.get(url, headers=headers, timeout=60)
        if response.status_code == 404 and not states:
            return None
        if response.status_code != 200:
            raise SimError(f"GET {url} answered {response.status_code}: {response.text[:300]}")
        page = response.json()
        items = page.get("results", []) if isinstance(page, dict) else page
        for item in items:
            test = item.get("test") if isinstance(item.get("test"), dict) else item
            states[(test.get("classname") or "", test.get("name") or "")] = item.get("state", "")
        url = page.get("next") if isinstance(page, dict) else None
    return states


# --- Main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/flaky_sim.py")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="a small history: a smoke test (about a minute)")
    parser.add_argument(
        "--hard",
        action="store_true",
        help="no retries inside jobs, fewer re-runs, more outages: history must tell flaky from broken",
    )
    parser.add_argument("--seed", type=int, help="the history's seed (default 2026)")
    parser.add_argument("--tests", type=int, help="tests in the repository (default 1500; --quick 240)")
    parser.add_argument("--commits", type=int, help="commits on main (default 160; --quick 36)")
    parser.add_argument(
        "--dry-run", action="store_true", help="build the history and print its digest; start no hub"
    )
    parser.add_argument(
        "--prs",
        choices=("both", "with", "without"),
        default="both",
        help="play the history with pull requests, the same seed without them, or both (the default)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    return parser.parse_args(argv)


@dataclass
class Simulated:
    """One history played through a hub, scored."""

    label: str
    scenario: Scenario
    results: dict[str, dict]
    rows: list
    source: str
    summary: str  # the line printed under the table: uploads, request time, state changes
    extra: str  # misses and late verdicts by name
    payload: dict[str, Any]


def simulate(label: str, scenario: Scenario, args: argparse.Namespace, log) -> Simulated:
    """Build the history, play it through a scratch hub, score the verdicts (raises SimError)."""
    world = World(scenario)
    uploads = list(world.uploads())
    log(f"{label}: {describe(world, uploads)}")
    database = f"orchestrate_bench_sim_{os.getpid()}"
    with running_hub(args.backend, database=database, Q_SYNC="true") as hub:
        log(f"{args.backend}: hub at {hub.url}, posting in order (analysis inline: Q_SYNC=true)")
        posted = post_all(hub, uploads, log)
        data = django_json(hub, "verdicts", REPOSITORY)
        db_final = {(row["classname"], row["name"]): row["state"] for row in data["health"]}
        from_api = api_states(hub)
    source = "GET /api/v1/flaky" if from_api is not None else "the database (GET /api/v1/flaky not mounted)"
    final = from_api if from_api is not None else db_final
    if from_api is not None:
        differ = [k for k, state in from_api.items() if db_final.get(k) != state]
        if differ:
            log(f"warning: the API and the database disagree on {len(differ)} tests, e.g. {differ[0]}")
    ours = hub_verdicts(data, final)
    baselines = naive_verdicts(uploads)
    results = {"ours": score(world.tests, ours)}
    results.update({name: score(world.tests, v) for name, v in baselines.items()})
    delays, seconds, late = detection_times(world.tests, data["changes"], posted)
    ingests = list(delays.values())
    evidence_at = evidence_uploads(world.tests, uploads)
    from_evidence = ingests_from_evidence(evidence_at, data["changes"], posted.upload_at)
    requests_p50 = statistics.median(e - s for s, e in zip(posted.starts, posted.ends, strict=True))
    rows = rows_for(
        results["ours"],
        results["naive"],
        results["same commit"],
        ingests,
        seconds,
        data["task_failures"],
        args.quick,
        list(from_evidence.values()),
    )
    summary = (
        f"{len(uploads)} uploads, request to committed (with the analysis) p50 {requests_p50:.3f} s; "
        f"{late} verdicts after the last upload; {len(data['changes'])} state changes"
    )
    if data["task_failures"]:
        summary += (
            f"\nthe analysis task failed {data['task_failures']} times; the last:\n{data['task_failure']}"
        )
    payload = {
        "scenario": asdict(scenario),
        "figures": results,
        "ingests_to_verdict": ingests,
        "ingests_from_evidence": list(from_evidence.values()),
        "seconds_to_verdict": seconds,
        "task_failures": data["task_failures"],
        "rows": [asdict(row) for row in rows],
    }
    extra = details(world.tests, ours, data, delays)
    return Simulated(label, scenario, results, rows, source, summary, extra, payload)


def describe(world: World, uploads: list[SimUpload]) -> str:
    checks = [t for t in world.tests if t.kind is Kind.CHECK]
    return (
        f"{len(uploads)} uploads, {world.runs} runs + {world.reruns} re-runs, "
        f"{sum(len(u.cases) for u in uploads)} cases, {world.outages} outages, "
        f"{sum(t.kind is Kind.FLAKY for t in world.tests)} flaky and "
        f"{sum(t.kind is Kind.REGRESSION for t in world.tests)} regressed tests of {len(world.tests)}, "
        f"{sum(t.mends for t in checks)} lint checks broken and mended on pull requests"
    )


def print_report(sim: Simulated, args: argparse.Namespace) -> None:
    title = f"Flaky detection against a simulated ground truth, {sim.label}" + (
        " (--quick: smoke size)" * args.quick
    )
    print(f"\n{title}: {args.backend}, seed {sim.scenario.seed}, verdicts read from {sim.source}\n")
    print(table(sim.rows))
    print("* same commit: jobs where most tests failed (outages) left out, as a re-run heuristic would.")
    print(CLOCKS)
    print(anchors(sim.results))
    print(f"\n{sim.summary}")
    if sim.extra:
        print(f"\n{sim.extra}")


CLOCKS = """Time to detection, two clocks. From the 2nd failing job: that job may not be evidence yet (a
failure on a pull request is evidence only if a re-run of its commit passes; the latest default-branch
run looks like a breakage until the next run there passes), so this clock also counts the wait for
that run. From complete evidence: from the first upload after which the reports hold a retry that
passed, a pass and a failure on one commit, or two isolated failures on the default branch (each
between passes). Those evidence rules were written alongside the detector's: the second clock shows
the rules fire as soon as they can, not that they need little evidence.
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scenario = QUICK if args.quick else Scenario()
    if args.hard:
        hard = {"retries_in_jobs": False, "rerun_rate": HARD.rerun_rate, "outage_rate": HARD.outage_rate}
        scenario = replace(scenario, **hard)
    for field_name, value in (("seed", args.seed), ("tests", args.tests), ("main_commits", args.commits)):
        if value is not None:
            scenario = replace(scenario, **{field_name: value})
    histories = {
        "with pull requests": scenario,
        "without pull requests": replace(scenario, pull_requests=0),
    }
    if args.prs != "both":
        histories = {f"{args.prs} pull requests": histories[f"{args.prs} pull requests"]}

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.dry_run:
        for label, chosen in histories.items():
            uploads = list(World(chosen).uploads())
            digest = hashlib.sha256()
            for upload in uploads:
                digest.update(body(upload))
            print(f"history {digest.hexdigest()}: {len(uploads)} uploads, seed {chosen.seed}, {label}")
        return 0
    if args.backend == "postgresql":
        reason = postgres_unavailable()
        if reason:
            log(f"postgresql: {reason}")
            return 2
    started = time.monotonic()
    try:
        done = [simulate(label, chosen, args, log) for label, chosen in histories.items()]
    except SimError as exc:
        log(str(exc))
        return 2
    for sim in done:
        print_report(sim, args)
    if len(done) == 2:
        print("\nWith and without pull requests (the same seed; without, no pull request ever runs):\n")
        print(comparison_table(compared(done[0].results["ours"], done[1].results["ours"], not args.quick)))
    print(f"\ntotal {time.monotonic() - started:.0f} s, 1-minute load at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        payload = dict(done[0].payload)
        for sim in done[1:]:
            payload[sim.label.replace(" ", "_")] = sim.payload
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    failed = any(row.verdict == "FAIL" for sim in done for row in sim.rows)
    return 1 if args.strict and failed else 0


if __name__ == "__main__":
    sys.exit(main())
