"""How well the hub tells flaky tests from real regressions, scored against a simulated ground truth.

    python benchmarks/flaky_sim.py [--backend sqlite|postgresql] [--quick] [--seed N] [--dry-run] [--json F]

``_flaky_world.py`` generates a repository's CI history with ground truth (commits on main, pull
requests, flaky tests with known flake rates from 0.5% to 30%, regressions that start at a commit and are
fixed later, infrastructure outages, re-runs, retries inside jobs). This script starts a real hub
(gunicorn, a scratch database, ``Q_SYNC=true`` so the analysis task runs inline after each ingest) and
posts every job's report to ``POST /api/v1/reports`` in order, as the agent would. Then it reads the
verdicts: the final ones from ``GET /api/v1/flaky`` when that route answers (else from the database),
and every state change with its time from the database, and scores them:

* precision: flaky tests among the tests ever labelled flaky;
* recall among the flaky tests that genuinely failed at least twice (in two jobs, outages left out),
  and overall;
* false alarms: healthy tests ever labelled flaky or suspected;
* regressions ever labelled flaky (must be 0), and regressions labelled broken (with a correct onset);
* time to detection: ingests from the upload that brought a flaky test's second failing job to the
  upload during which it was first labelled flaky, and seconds from that upload's start to the verdict.

Beside ours, two baselines scored on the same history in this process: *naive* ("a test that failed and
later passed, anywhere, is flaky") and *same commit* ("a test that passed and failed on one commit SHA",
the re-run heuristic), and the published anchors (DeFlaker; Mozilla's heuristic classifier).
``--quick`` is a smoke test (about a minute); its figures say little.
"""

from __future__ import annotations

import argparse
import bisect
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
from _flaky_hub import HubCommandError, call
from _flaky_world import QUICK, REPOSITORY, Kind, Scenario, SimUpload, TestTruth, World  # the script's dir
from _hub import Hub, postgres_unavailable, running_hub

from agent.document import iter_document

LABELLED = frozenset({"flaky", "quarantined"})  # told to people as flaky
FLAGGED = LABELLED | {"suspected"}  # any flaky-ish label: a false alarm on a healthy test
TARGET_PRECISION = 0.985
TARGET_RECALL = 0.95
TARGET_SECONDS = 60.0  # "a verdict within a minute of the upload"
ANCHORS = (
    ("DeFlaker (Bell et al., ICSE 2018)", 0.015, 0.955),
    ("Mozilla heuristic classifier", 0.005, 0.61),
)
RATE_BANDS = (("0.5-2%", 0.0, 0.02), ("2-8%", 0.02, 0.08), ("8-30%", 0.08, 1.0))


class SimError(RuntimeError):
    pass


# --- Driving the hub -----------------------------------------------------------------------------------


@dataclass
class Posted:
    """When each upload was sent and answered (this machine's clock, as the hub's)."""

    starts: list[float]
    ends: list[float]

    def upload_at(self, moment: float) -> int | None:
        """The upload during whose request ``moment`` fell (the first to end at or after it)."""
        index = bisect.bisect_left(self.ends, moment)
        return index if index < len(self.ends) else None


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


# --- Scoring --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdicts:
    """What a detector said: tests ever labelled flaky, ever flagged, ever broken; final states."""

    labelled: frozenset[tuple[str, str]]
    flagged: frozenset[tuple[str, str]]
    broken: frozenset[tuple[str, str]] | None = None
    final: dict[tuple[str, str], str] | None = None
    onsets: dict[tuple[str, str], str] | None = None


def hub_verdicts(data: dict[str, Any], final: dict[tuple[str, str], str]) -> Verdicts:
    ever: dict[tuple[str, str], set[str]] = {}
    for change in data["changes"]:
        ever.setdefault((change["classname"], change["name"]), set()).add(change["to"])
    for key, state in final.items():
        ever.setdefault(key, set()).add(state)
    # The onset a person saw when the test was first labelled broken, else the latest one.
    onsets = {(row["classname"], row["name"]): row["onset_sha"] for row in data["health"]}
    for change in reversed(data["changes"]):
        if change["to"] == "broken" and change.get("onset"):
            onsets[(change["classname"], change["name"])] = change["onset"]
    return Verdicts(
        labelled=frozenset(k for k, states in ever.items() if states & LABELLED),
        flagged=frozenset(k for k, states in ever.items() if states & FLAGGED),
        broken=frozenset(k for k, states in ever.items() if "broken" in states),
        final=final,
        onsets=onsets,
    )


def naive_verdicts(uploads: Sequence[SimUpload]) -> dict[str, Verdicts]:
    """The baselines: failed then passed anywhere; passed and failed on one commit SHA, leaving out jobs
    where most tests failed (outages, recognised from the reports as a hub would, not from the truth)."""
    failed_before: set[tuple[str, str]] = set()
    flipped: set[tuple[str, str]] = set()
    by_sha: dict[tuple[tuple[str, str], str], int] = {}  # bit 1 passed, bit 2 failed
    for upload in uploads:
        outage = sum(case.status.is_failure for case in upload.cases) > len(upload.cases) / 2
        for case in upload.cases:
            key = (case.classname or "", case.name)
            outcomes = [r.status for r in case.reruns] + [case.status]
            for status in outcomes:
                if status.is_failure:
                    failed_before.add(key)
                elif status == "passed" and key in failed_before:
                    flipped.add(key)
            if outage:
                continue
            bits = by_sha.get((key, upload.context.commit_sha), 0)
            bits |= (1 if "passed" in outcomes else 0) | (2 if any(s.is_failure for s in outcomes) else 0)
            by_sha[(key, upload.context.commit_sha)] = bits
    same_sha = frozenset(key for (key, _sha), bits in by_sha.items() if bits == 3)
    return {
        "naive": Verdicts(frozenset(flipped), frozenset(flipped)),
        "same commit": Verdicts(same_sha, same_sha),
    }


def ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def score(tests: Sequence[TestTruth], verdicts: Verdicts) -> dict[str, Any]:
    flaky = [t for t in tests if t.kind is Kind.FLAKY]
    evident = [t for t in flaky if t.failures >= 2]
    healthy = [t for t in tests if t.kind is Kind.HEALTHY]
    regressions = [t for t in tests if t.kind is Kind.REGRESSION]
    true_positive = sum(t.key in verdicts.labelled for t in flaky)
    figures: dict[str, Any] = {
        "labelled": len(verdicts.labelled),
        "precision": ratio(true_positive, len(verdicts.labelled)),
        "recall_evident": ratio(sum(t.key in verdicts.labelled for t in evident), len(evident)),
        "evident": len(evident),
        "recall": ratio(true_positive, len(flaky)),
        "flaky": len(flaky),
        "false_alarms": sum(t.key in verdicts.flagged for t in healthy),
        "healthy": len(healthy),
        "regressions": len(regressions),
        "regressions_flaky": sum(t.key in verdicts.labelled for t in regressions),
        "regressions_suspected": sum(t.key in verdicts.flagged for t in regressions),
    }
    figures["false_alarm_rate"] = ratio(figures["false_alarms"], len(healthy))
    figures["recall_by_rate"] = {
        band: ratio(
            sum(t.key in verdicts.labelled for t in evident if low <= t.flake_rate < high),
            sum(low <= t.flake_rate < high for t in evident),
        )
        for band, low, high in RATE_BANDS
    }
    unretried = [t for t in evident if t.suite.retries == 0]
    figures["recall_unretried"] = ratio(sum(t.key in verdicts.labelled for t in unretried), len(unretried))
    figures["unretried"] = len(unretried)
    if verdicts.broken is not None:
        # A regression that reached main has the commit that broke it there; one fixed on its pull request
        # before merging never failed on the default branch.
        on_main = [t for t in regressions if t.onset_shas]
        broken = [t for t in on_main if t.key in verdicts.broken]
        onsets = verdicts.onsets or {}
        figures["regressions_on_main"] = len(on_main)
        figures["regressions_broken"] = len(broken)
        figures["onsets_right"] = sum(onsets.get(t.key) in t.onset_shas for t in broken)
        pr_only = [t for t in regressions if not t.onset_shas]
        figures["pr_only"] = len(pr_only)
        figures["pr_only_broken"] = sum(t.key in verdicts.broken for t in pr_only)
    return figures


def detection_times(
    tests: Sequence[TestTruth], changes: Sequence[dict], posted: Posted
) -> tuple[dict[tuple[str, str], int], list[float], int]:
    """For each flaky test labelled flaky: ingests from its second failure to the verdict (negative when
    a retry inside a job decided on the first failure), and seconds from the start of the upload that
    produced the verdict to the verdict. Also how many verdicts came after the last upload."""
    first: dict[tuple[str, str], float] = {}
    for change in changes:
        key = (change["classname"], change["name"])
        if change["to"] in LABELLED and key not in first:
            first[key] = change["at"]
    ingests: dict[tuple[str, str], int] = {}
    seconds, late = [], 0
    for test in tests:
        if test.kind is not Kind.FLAKY or test.key not in first or test.second_failure_upload is None:
            continue
        upload = posted.upload_at(first[test.key])
        if upload is None:
            late += 1
            continue
        ingests[test.key] = upload - test.second_failure_upload
        seconds.append(first[test.key] - posted.starts[upload])
    return ingests, seconds, late


def percentile(values: Sequence[float], percent: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(percent / 100 * len(ordered) + 0.5) - 1))]


# --- Output ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    figure: str
    target: str
    ours: str
    naive: str = "-"
    same_commit: str = "-"
    verdict: str = "-"


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def verdict(ok: bool | None, comparable: bool = True) -> str:
    if ok is None or not comparable:
        return "n/a"
    return "PASS" if ok else "FAIL"


def rows_for(
    ours: dict, naive: dict, same: dict, ingests: list[int], seconds: list[float], failures: int, quick: bool
) -> list[Row]:
    full = not quick
    rows = [
        Row(
            "precision (ever labelled flaky)",
            f">= {TARGET_PRECISION}",
            f"{fmt(ours['precision'])} of {ours['labelled']}",
            f"{fmt(naive['precision'])} of {naive['labelled']}",
            f"{fmt(same['precision'])} of {same['labelled']}",
            verdict(ours["precision"] is not None and ours["precision"] >= TARGET_PRECISION, full),
        ),
        Row(
            f"recall, flaky tests that failed in >= 2 jobs ({ours['evident']})",
            f">= {TARGET_RECALL}",
            fmt(ours["recall_evident"]),
            fmt(naive["recall_evident"]),
            fmt(same["recall_evident"]),
            verdict(ours["recall_evident"] is not None and ours["recall_evident"] >= TARGET_RECALL, full),
        ),
        Row(
            f"recall, all flaky tests ({ours['flaky']})",
            "-",
            fmt(ours["recall"]),
            fmt(naive["recall"]),
            fmt(same["recall"]),
        ),
    ]
    for band, value in ours["recall_by_rate"].items():
        rows.append(
            Row(
                f"  recall (failed in >= 2 jobs), flake rate {band}",
                "-",
                fmt(value),
                fmt(naive["recall_by_rate"][band]),
                fmt(same["recall_by_rate"][band]),
            )
        )
    rows.append(
        Row(
            f"  recall (failed in >= 2 jobs), suites that never retry ({ours['unretried']} tests)",
            "-",
            fmt(ours["recall_unretried"]),
            fmt(naive["recall_unretried"]),
            fmt(same["recall_unretried"]),
        )
    )
    rows += [
        Row(
            f"false alarms: healthy tests flagged flaky/suspected (of {ours['healthy']})",
            "-",
            f"{ours['false_alarms']} ({pct(ours['false_alarm_rate'])})",
            f"{naive['false_alarms']} ({pct(naive['false_alarm_rate'])})",
            f"{same['false_alarms']} ({pct(same['false_alarm_rate'])})",
        ),
        Row(
            f"regressions labelled flaky (of {ours['regressions']})",
            "0",
            str(ours["regressions_flaky"]),
            str(naive["regressions_flaky"]),
            str(same["regressions_flaky"]),
            verdict(ours["regressions_flaky"] == 0),
        ),
        Row("regressions ever suspected", "-", str(ours["regressions_suspected"])),
        Row(
            "regressions that reached main labelled broken",
            "-",
            f"{ours['regressions_broken']} of {ours['regressions_on_main']}",
        ),
        Row(
            "  of those, onset at the commit that broke main",
            "-",
            f"{ours['onsets_right']} of {ours['regressions_broken']}",
        ),
        Row(
            "breakages fixed on their pull request, labelled broken",
            "-",
            f"{ours['pr_only_broken']} of {ours['pr_only']}",
        ),
    ]
    if ingests:
        after = [max(0, i) for i in ingests]  # a verdict before the second failure waited for nothing
        rows.append(
            Row(
                f"ingests from the 2nd failing job to the flaky verdict, p50/p95/max ({len(ingests)} tests)",
                "p95 <= 0 (same ingest)",
                f"{percentile(after, 50)} / {percentile(after, 95)} / {max(after)}"
                f" ({sum(i < 0 for i in ingests)} decided on the 1st failing job)",
                verdict=verdict(percentile(after, 95) <= 0, full),
            )
        )
        rows.append(
            Row(
                "seconds from upload start to verdict, p50/p95/max",
                f"<= {TARGET_SECONDS:.0f} s",
                f"{percentile(seconds, 50):.2f} / {percentile(seconds, 95):.2f} / {max(seconds):.2f}",
                verdict=verdict(max(seconds) <= TARGET_SECONDS),
            )
        )
    else:
        rows.append(Row("time to detection", "p95 <= 0 ingests", "n/a (no flaky verdict)", verdict="FAIL"))
    rows.append(Row("analysis tasks that failed", "0", str(failures), verdict=verdict(failures == 0)))
    return rows


def table(rows: Sequence[Row]) -> str:
    columns = (
        ("figure", "figure"),
        ("target", "target"),
        ("ours", "ours"),
        ("naive", "naive: failed then passed"),
        ("same_commit", "same commit pass+fail*"),
        ("verdict", "result"),
    )
    cells = [[title for _, title in columns]] + [[getattr(row, key) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)


def anchors(results: dict[str, dict]) -> str:
    lines = ["Published anchors beside ours (false alarms at recall):"]
    for name, false_alarms, recall in ANCHORS:
        lines.append(f"  {name:<38} {false_alarms:>6.1%} at {recall:.1%}")
    for name, figures in results.items():
        lines.append(
            f"  {name:<38} {pct(figures['false_alarm_rate']):>6} at {pct(figures['recall_evident'])}"
            " (recall among flaky tests that failed in >= 2 jobs)"
        )
    return "\n".join(lines)


def details(tests: Sequence[TestTruth], verdicts: Verdicts, data: dict, delays: dict) -> str:
    """The misses, false alarms, late verdicts and wrong onsets by name, for a person tuning the rules."""
    health = {(row["classname"], row["name"]): row for row in data["health"]}
    final = verdicts.final or {}
    lines = []
    late = sorted((t for t in tests if delays.get(t.key, 0) > 0), key=lambda t: -delays[t.key])
    if late:
        lines.append(f"flaky verdicts after the ingest of the 2nd failing job ({len(late)}, slowest first):")
        for t in late[:10]:
            where = ", ".join(f"{index} ({'main' if main else 'PR'})" for index, main in t.first_failures)
            lines.append(
                f"  {t.classname}::{t.name} [{t.suite.name}, rate {t.flake_rate:.3f}, flaked in {t.failures} "
                f"jobs, the first at uploads {where}] {delays[t.key]} ingests later"
            )
    onsets = verdicts.onsets or {}
    wrong_onsets = [
        t
        for t in tests
        if t.onset_shas and t.key in (verdicts.broken or ()) and onsets.get(t.key) not in t.onset_shas
    ]
    if wrong_onsets:
        lines.append(f"regressions with another onset ({len(wrong_onsets)}): expected / the hub's")
        for t in wrong_onsets[:10]:
            expected = " or ".join(sha[:10] for sha in t.onset_shas)
            lines.append(f"  {t.classname}::{t.name}: {expected} / {(onsets.get(t.key) or '-')[:10]}")
    missed = [t for t in tests if t.kind is Kind.FLAKY and t.failures >= 2 and t.key not in verdicts.labelled]
    wrong = [t for t in tests if t.kind is not Kind.FLAKY and t.key in verdicts.labelled]
    alarms = [t for t in tests if t.kind is Kind.HEALTHY and t.key in verdicts.flagged - verdicts.labelled]
    for title, chosen in (
        ("missed flaky tests", missed),
        ("labelled flaky, but not", wrong),
        ("healthy, but suspected", alarms),
    ):
        if not chosen:
            continue
        lines.append(f"{title} ({len(chosen)}):")
        for t in chosen[:10]:
            row = health.get(t.key, {})
            lines.append(
                f"  {t.classname}::{t.name} [{t.kind}, rate {t.flake_rate:.3f}, flaked in {t.failures} jobs] "
                f"state {final.get(t.key, 'no row')}, score {fmt(row.get('score'))}, "
                f"signals {','.join(row.get('signals', [])) or '-'}"
            )
    return "\n".join(lines)


# --- Main -----------------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], prog="benchmarks/flaky_sim.py")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--quick", action="store_true", help="a small history: a smoke test (about a minute)")
    parser.add_argument("--seed", type=int, help="the history's seed (default 2026)")
    parser.add_argument("--tests", type=int, help="tests in the repository (default 1500; --quick 240)")
    parser.add_argument("--commits", type=int, help="commits on main (default 160; --quick 36)")
    parser.add_argument(
        "--dry-run", action="store_true", help="build the history and print its digest; start no hub"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure misses its target")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    scenario = QUICK if args.quick else Scenario()
    for field_name, value in (("seed", args.seed), ("tests", args.tests), ("main_commits", args.commits)):
        if value is not None:
            scenario = replace(scenario, **{field_name: value})

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.backend == "postgresql":
        reason = postgres_unavailable()
        if reason:
            log(f"postgresql: {reason}")
            return 2
    started = time.monotonic()
    world = World(scenario)
    uploads = list(world.uploads())
    log(
        f"history: {len(uploads)} uploads, {world.runs} runs + {world.reruns} re-runs, "
        f"{sum(len(u.cases) for u in uploads)} cases, {world.outages} outages, "
        f"{sum(t.kind is Kind.FLAKY for t in world.tests)} flaky and "
        f"{sum(t.kind is Kind.REGRESSION for t in world.tests)} regressed tests of {len(world.tests)}"
    )
    if args.dry_run:
        digest = hashlib.sha256()
        for upload in uploads:
            digest.update(body(upload))
        print(f"history {digest.hexdigest()}: {len(uploads)} uploads, seed {scenario.seed}")
        return 0
    database = f"orchestrate_bench_sim_{os.getpid()}"
    try:
        with running_hub(args.backend, database=database, Q_SYNC="true") as hub:
            log(f"{args.backend}: hub at {hub.url}, posting in order (analysis inline: Q_SYNC=true)")
            posted = post_all(hub, uploads, log)
            data = django_json(hub, "verdicts", REPOSITORY)
            db_final = {(row["classname"], row["name"]): row["state"] for row in data["health"]}
            from_api = api_states(hub)
    except SimError as exc:
        log(str(exc))
        return 2
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
    requests_p50 = statistics.median(e - s for s, e in zip(posted.starts, posted.ends, strict=True))
    rows = rows_for(
        results["ours"],
        results["naive"],
        results["same commit"],
        ingests,
        seconds,
        data["task_failures"],
        args.quick,
    )
    title = "Flaky detection against a simulated ground truth" + (" (--quick: smoke size)" * args.quick)
    print(f"\n{title}: {args.backend}, seed {scenario.seed}, verdicts read from {source}\n")
    print(table(rows))
    print("* same commit: jobs where most tests failed (outages) left out, as a re-run heuristic would.\n")
    print(anchors({"ours": results["ours"], **{k: results[k] for k in baselines}}))
    print(
        f"\n{len(uploads)} uploads, request to committed (with the analysis) p50 {requests_p50:.3f} s; "
        f"{late} verdicts after the last upload; {len(data['changes'])} state changes"
    )
    if data["task_failures"]:
        print(f"\nthe analysis task failed {data['task_failures']} times; the last:\n{data['task_failure']}")
    extra = details(world.tests, ours, data, delays)
    if extra:
        print(f"\n{extra}")
    print(f"\ntotal {time.monotonic() - started:.0f} s, 1-minute load at the end {os.getloadavg()[0]:.1f}")
    if args.json:
        payload = {
            "scenario": asdict(scenario),
            "figures": results,
            "ingests_to_verdict": ingests,
            "seconds_to_verdict": seconds,
            "task_failures": data["task_failures"],
            "rows": [asdict(row) for row in rows],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 1 if args.strict and any(row.verdict == "FAIL" for row in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
