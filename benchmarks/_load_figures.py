"""The figures of a load or fault run, as rows of the shared table: throughput, latency, queue, losses.

Every row has a target; losses and repeats have the target the issue sets (0), the queue and the lag the
issue's 60 s. ``idle`` is the baseline measured in the same run before the load: one upload alone, its
request-to-committed time and how long its analysis took on an idle cluster.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from _audit import Audit
from _load import LoadResult, Sample
from _table import render
from ingest import p

QUEUE_TARGET = 60.0  # seconds: oldest owed analysis, and upload to its analysis


@dataclass(frozen=True)
class Row:
    scenario: str
    figure: str
    target: str
    ours: str
    baseline: str = "-"
    verdict: str = "-"


COLUMNS = (
    ("scenario", "scenario"),
    ("figure", "figure"),
    ("target", "target"),
    ("ours", "ours"),
    ("baseline", "idle baseline"),
    ("verdict", "result"),
)


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def zero_row(scenario: str, figure: str, count: int) -> Row:
    return Row(scenario, figure, "0", str(count), verdict=verdict(count == 0))


def loss_rows(scenario: str, found: Audit) -> list[Row]:
    """What was lost and what was repeated, one row each, against 0."""
    rows = [
        zero_row(scenario, "lost: uploads confirmed but not stored", found.confirmed_missing),
        Row(
            scenario,
            "lost: uploads never analysed after the drain (their failed results)",
            "0",
            f"{found.analyses_lost} ({found.failures_unanalysed})",
            verdict=verdict(found.analyses_lost == 0),
        ),
        zero_row(scenario, "lost: failed results flaky detection never saw", found.verdicts_lost),
    ]
    rows += [zero_row(scenario, f"repeated: {name}", count) for name, count in found.repeats.items()]
    rows.append(zero_row(scenario, "analysis tasks that failed (django-q2 records)", found.tasks_failed))
    unconfirmed = str(found.landed_unconfirmed)
    rows.append(Row(scenario, "uploads stored whose client never had a confirmation", "-", unconfirmed))
    return rows


def load_rows(scenario: str, result: LoadResult) -> list[Row]:
    """Throughput, latency, the queue over time, the analysis lag, then losses and repeats."""
    plan, found = result.plan, result.audit
    confirmed = result.confirmed
    latencies = [sent.latency for sent in confirmed]
    results = sum(sent.results for sent in confirmed)
    oldest = max((s.oldest for s in result.samples), default=0.0)
    deepest = max((s.owed for s in result.samples), default=0)
    lag = found.analysis_lag
    lag_p95 = p(lag, 95) if lag else 0.0
    idle_latency, idle_lag, idle_verdict = result.idle
    judged = result.verdict_lag
    drained = "not within the drain bound" if result.drained_in is None else f"{result.drained_in:.0f} s"
    never = found.analyses_lost
    drained_ok = never == 0  # an analysis never done has no lag: the percentiles would flatter the run
    rows = [
        Row(
            scenario,
            f"uploads confirmed / sent ({plan.clients} clients, {plan.cases} cases each)",
            "-",
            f"{len(confirmed)} / {len(result.sent)} in {plan.seconds:.0f} s",
        ),
        Row(
            scenario,
            "uploads/s, results/s (confirmed; clients offered "
            + (f"{plan.rate:g}/s)" if plan.rate else "all the hub took)"),
            "-",
            f"{len(confirmed) / plan.seconds:.2f}/s, {results / plan.seconds:.0f}/s",
        ),
        Row(
            scenario,
            "request to committed p50 / p95",
            "-",
            f"{p(latencies, 50):.2f} / {p(latencies, 95):.2f} s" if latencies else "-",
            f"{idle_latency:.2f} s",
        ),
        Row(scenario, "answers to every attempt (the clients retry as the agent does)", "-", answers(result)),
        Row(
            scenario,
            "owed analyses, most at once (broker queue at most)",
            "-",
            f"{deepest} ({max((s.broker or 0 for s in result.samples), default=0)})",
        ),
        Row(
            scenario,
            "oldest owed analysis, worst sample",
            f"< {QUEUE_TARGET:.0f} s",
            f"{oldest:.1f} s" + ("" if drained_ok else f", {never} never done"),
            verdict=verdict(oldest < QUEUE_TARGET and drained_ok),
        ),
        Row(
            scenario,
            "upload to its analysis p50 / p95 / max" + ("" if drained_ok else ", of those done"),
            f"<= {QUEUE_TARGET:.0f} s",
            f"{p(lag, 50):.1f} / {lag_p95:.1f} / {max(lag):.1f} s" if lag else "-",
            f"{idle_lag:.2f} s" if idle_lag is not None else "-",
            verdict(bool(lag) and lag_p95 <= QUEUE_TARGET and drained_ok),
        ),
        Row(
            scenario,
            "upload to its verdict (flaky detection) p50 / p95 / max" + ("" if drained_ok else ", of done"),
            "-",
            f"{p(judged, 50):.1f} / {p(judged, 95):.1f} / {max(judged):.1f} s" if judged else "-",
            f"{idle_verdict:.2f} s" if idle_verdict is not None else "-",
        ),
        Row(scenario, "drained after the last upload", "-", drained),
    ]
    return rows + loss_rows(scenario, found)


def answers(result: LoadResult) -> str:
    """How often each status answered, over every attempt of every report: ``201: 40, 503: 2, none: 1``."""
    counts = Counter(status for sent in result.sent for status in sent.answers)
    ordered = sorted(counts.items(), key=lambda item: (item[0] is None, item[0] or 0))
    return ", ".join(f"{'none' if status is None else status}: {n}" for status, n in ordered) or "-"


def timeline(samples: Sequence[Sample], most: int = 16) -> str:
    """The queue over time, at most ``most`` evenly spaced samples."""
    if not samples:
        return "(no samples)"
    step = max(1, len(samples) // most)
    chosen = list(samples[::step])
    if chosen[-1] is not samples[-1]:
        chosen.append(samples[-1])
    lines = ["  t (s)   owed  oldest (s)  broker queue"]
    for s in chosen:
        broker = "?" if s.broker is None else str(s.broker)
        lines.append(f"  {s.at:5.0f}  {s.owed:5d}  {s.oldest:10.1f}  {broker:>12}")
    return "\n".join(lines)


def table(rows: Sequence[Row]) -> str:
    return render(rows, COLUMNS)
