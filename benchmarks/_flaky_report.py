"""The simulator's output: the table of figures beside targets and baselines, the published anchors,
and the misses by name for a person tuning the rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from _flaky_score import Verdicts, percentile  # the script's dir
from _flaky_world import Kind, TestTruth
from _table import render

TARGET_PRECISION = 0.985
TARGET_RECALL = 0.95
TARGET_SECONDS = 60.0  # "a verdict within a minute of the upload"
ANCHORS = (
    ("DeFlaker (Bell et al., ICSE 2018)", 0.015, 0.955),
    ("Mozilla heuristic classifier", 0.005, 0.61),
)


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
    ours: dict,
    naive: dict,
    same: dict,
    ingests: list[int],
    seconds: list[float],
    failures: int,
    quick: bool,
    from_evidence: Sequence[int] = (),
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
    figures = (ours, naive, same)
    rows += [
        Row(
            f"false alarms: healthy tests flagged flaky/suspected (of {ours['healthy']})",
            "-",
            f"{ours['false_alarms']} ({pct(ours['false_alarm_rate'])})",
            f"{naive['false_alarms']} ({pct(naive['false_alarm_rate'])})",
            f"{same['false_alarms']} ({pct(same['false_alarm_rate'])})",
        ),
        never(f"regressions labelled flaky (of {ours['regressions']})", "regressions_flaky", *figures),
        Row("regressions ever suspected", "-", str(ours["regressions_suspected"])),
        never(
            f"lint checks labelled flaky ({ours['checks']}, mended on {ours['mends']} pull requests)",
            "checks_flaky",
            *figures,
        ),
        Row("lint checks ever suspected", "-", str(ours["checks_suspected"])),
        Row(
            "flaps: flaky verdicts lost by flaky tests, whose rates never change",
            "0",
            f"{ours['flaps']} ({ours['flapping_tests']} tests, at most {ours['max_flaps']} each)",
            verdict=verdict(ours["flaps"] == 0),
        ),
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
        if from_evidence:
            waited = [max(0, i) for i in from_evidence]
            rows.append(
                Row(
                    f"ingests from complete evidence to the flaky verdict, p50/p95/max ({len(waited)} tests)",
                    "p95 <= 0 (same ingest)",
                    f"{percentile(waited, 50)} / {percentile(waited, 95)} / {max(waited)}"
                    f" ({sum(i < 0 for i in from_evidence)} decided before it)",
                    verdict=verdict(percentile(waited, 95) <= 0, full),
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


@dataclass(frozen=True)
class Compared:
    figure: str
    target: str
    with_prs: str
    without_prs: str
    verdict: str


def compared(with_prs: dict, without_prs: dict, full: bool) -> list[Compared]:
    """The headline figures of the history with pull requests beside the same history without them."""
    both = (with_prs, without_prs)

    def row(figure: str, target: str, cell, ok) -> Compared:
        passed = [ok(f) for f in both]
        result = "n/a" if None in passed else verdict(all(passed), full)
        return Compared(figure, target, cell(with_prs), cell(without_prs), result)

    return [
        row(
            "precision (ever labelled flaky)",
            f">= {TARGET_PRECISION}",
            lambda f: f"{fmt(f['precision'])} of {f['labelled']}",
            lambda f: None if f["precision"] is None else f["precision"] >= TARGET_PRECISION,
        ),
        row(
            "recall, flaky tests that failed in >= 2 jobs",
            f">= {TARGET_RECALL}",
            lambda f: f"{fmt(f['recall_evident'])} of {f['evident']}",
            lambda f: None if f["recall_evident"] is None else f["recall_evident"] >= TARGET_RECALL,
        ),
        row("recall, all flaky tests", "-", lambda f: f"{fmt(f['recall'])} of {f['flaky']}", lambda f: True),
        row(
            "regressions labelled flaky",
            "0",
            lambda f: f"{f['regressions_flaky']} of {f['regressions']}",
            lambda f: f["regressions_flaky"] == 0,
        ),
        row(
            "lint checks labelled flaky",
            "0",
            lambda f: f"{f['checks_flaky']} ({f['mends']} mends)",
            lambda f: f["checks_flaky"] == 0,
        ),
        row("flaps", "0", lambda f: f"{f['flaps']} ({f['flapping_tests']} tests)", lambda f: f["flaps"] == 0),
    ]


def comparison_table(rows: Sequence[Compared]) -> str:
    columns = (
        ("figure", "figure"),
        ("target", "target"),
        ("with_prs", "with pull requests"),
        ("without_prs", "without pull requests"),
        ("verdict", "result"),
    )
    return render(rows, columns)


def never(figure: str, key: str, ours: dict, naive: dict, same: dict) -> Row:
    """A count whose target is 0, beside the baselines'."""
    return Row(figure, "0", str(ours[key]), str(naive[key]), str(same[key]), verdict(ours[key] == 0))


def table(rows: Sequence[Row]) -> str:
    columns = (
        ("figure", "figure"),
        ("target", "target"),
        ("ours", "ours"),
        ("naive", "naive: failed then passed"),
        ("same_commit", "same commit pass+fail*"),
        ("verdict", "result"),
    )
    return render(rows, columns)


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
