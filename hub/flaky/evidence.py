"""Evidence as people read it: one dict per signal, naming the signal, saying in a sentence what it
found, and listing the runs and commits behind it (the latest ``Rules.evidence_items`` of each).

Stored with the verdict (``TestHealth.evidence``) and with every state change, and served by the API.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.flaky.signals import Aggregates, Execution, Mended, Rules, newest


def _listed(values: Iterable, rules: Rules) -> list:
    seen: list = []
    for v in values:
        if v not in seen:
            seen.append(v)
    return seen[-rules.evidence_items :]


def retry(retries: list[Execution], rules: Rules) -> dict[str, Any]:
    jobs = len(retries)
    return {
        "signal": "retry",
        "count": jobs,
        "sentence": f"Failed, then passed on a retry in the same job, in {jobs} job{'s' * (jobs != 1)}.",
        "runs": _listed((e.run_id for e in retries), rules),
        "commits": _listed((e.sha for e in retries), rules),
        "jobs": _listed((e.job_id for e in retries), rules),
    }


def same_commit(groups: list[tuple[list[Execution], list[Execution]]], rules: Rules) -> dict[str, Any]:
    commits = len(groups)
    ordered = sorted(groups, key=lambda g: newest(*g))
    return {
        "signal": "same_commit",
        "count": commits,
        "sentence": f"Passed and failed on the same commit, in the same job, on {commits} "
        f"commit{'s' * (commits != 1)}.",
        "runs": _listed((e.run_id for f, p in ordered for e in f + p), rules),
        "commits": _listed((f[0].sha for f, _ in ordered), rules),
        "failed_runs": _listed((e.run_id for f, _ in ordered for e in f), rules),
        "passed_runs": _listed((e.run_id for _, p in ordered for e in p), rules),
    }


def history(
    history: list[Execution], isolated: list[Execution], agg: Aggregates, rules: Rules
) -> dict[str, Any]:
    n = agg.runs
    item: dict[str, Any] = {
        "signal": "history",
        "window": n,
        "failures": agg.failures,
        "isolated_failures": len(isolated),
        "runs": _listed((e.run_id for e in isolated), rules),
        "commits": _listed((e.sha for e in isolated), rules),
    }
    if n >= rules.min_sample:
        item["failure_rate"] = (
            round(agg.weighted_failures / agg.weighted_runs, 4) if agg.weighted_runs else 0.0
        )
        item["flip_rate"] = round(agg.flips / (n - 1), 4) if n > 1 else 0.0
        item["sentence"] = (
            f"On the default branch: {agg.failures} of the last {n} runs failed (weighted towards recent "
            f"runs: {item['failure_rate']:.1%}), {agg.flips} pass/fail flips, {len(isolated)} isolated "
            "failures between passing commits."
        )
    else:
        item["sentence"] = (
            f"Only {n} default-branch runs so far; rates are reported from {rules.min_sample}. "
            f"{len(isolated)} isolated failures."
        )
    return item


def mended(found: list[Mended], rules: Rules) -> dict[str, Any]:
    lines = len(found)
    return {
        "signal": "mended",
        "count": lines,
        "sentence": f"Failed on {lines} pull request{'s' * (lines != 1)} or branch{'es' * (lines != 1)} "
        f"({', '.join(m.line for m in found)}) and passed on a later commit of the same one: the author's "
        "change, mended. Not counted as flakiness; a re-run of the failing commit that passes would be.",
        "lines": _listed((m.line for m in found), rules),
        "runs": _listed((e.run_id for m in found for e in (m.failed, m.passed)), rules),
        "commits": _listed((m.failed.sha for m in found), rules),
        "failed_runs": _listed((m.failed.run_id for m in found), rules),
        "passed_runs": _listed((m.passed.run_id for m in found), rules),
        "base_runs": _listed((e.run_id for m in found for e in (m.before, m.after)), rules),
    }


def infrastructure(runs: list[Execution], rules: Rules) -> dict[str, Any]:
    infra = [e for e in runs if e.infra and e.any_failed]
    return {
        "signal": "infrastructure",
        "count": len(infra),
        "sentence": f"{len(infra)} failures left out: most of the job's tests failed at once "
        f"(more than {rules.infra_fraction:.0%}), an infrastructure failure rather than this test.",
        "runs": _listed((e.run_id for e in infra), rules),
        "commits": _listed((e.sha for e in infra), rules),
    }


def broken(streak: list[Execution], rules: Rules) -> dict[str, Any]:
    return {
        "signal": "broken",
        "count": len(streak),
        "sentence": f"Failed on all {len(streak)} default-branch runs since commit {streak[0].sha[:12]}, "
        "with no pass on any of those commits.",
        "runs": _listed((e.run_id for e in streak), rules),
        "commits": _listed((e.sha for e in streak), rules),
    }


def probability(
    score: float, low: float, high: float, known_good: list[Execution], rules: Rules
) -> dict[str, Any]:
    return {
        "signal": "probability",
        "score": round(score, 5),
        "confidence_low": round(low, 5),
        "confidence_high": round(high, 5),
        "credible_mass": rules.credible_mass,
        "sentence": f"Flakes in about {score:.1%} of default-branch runs ({rules.credible_mass:.0%} credible "
        f"interval {low:.1%} to {high:.1%}, from {len(known_good)} runs, regressions left out).",
    }
