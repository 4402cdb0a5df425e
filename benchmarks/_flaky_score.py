"""Scoring a detector's verdicts against the simulated ground truth (``_flaky_world.py``).

Pure functions over plain data: the hub's verdicts as ``_flaky_hub.py verdicts`` prints them, the
baselines computed from the uploads themselves, and the times each upload was sent and answered.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from _flaky_world import Kind, SimUpload, TestTruth  # the script's dir

LABELLED = frozenset({"flaky", "quarantined"})  # told to people as flaky
FLAGGED = LABELLED | {"suspected"}  # any flaky-ish label: a false alarm on a healthy test
RATE_BANDS = (("0.5-2%", 0.0, 0.02), ("2-8%", 0.02, 0.08), ("8-30%", 0.08, 1.0))


@dataclass
class Posted:
    """When each upload was sent and answered (this machine's clock, as the hub's)."""

    starts: list[float]
    ends: list[float]

    def upload_at(self, moment: float) -> int | None:
        """The upload during whose request ``moment`` fell (the first to end at or after it)."""
        index = bisect.bisect_left(self.ends, moment)
        return index if index < len(self.ends) else None


@dataclass(frozen=True)
class Verdicts:
    """What a detector said: tests ever labelled flaky, ever flagged, ever broken; final states."""

    labelled: frozenset[tuple[str, str]]
    flagged: frozenset[tuple[str, str]]
    broken: frozenset[tuple[str, str]] | None = None
    final: dict[tuple[str, str], str] | None = None
    onsets: dict[tuple[str, str], str] | None = None
    flaps: dict[tuple[str, str], int] | None = None  # times each test lost the flaky label


def hub_verdicts(data: dict[str, Any], final: dict[tuple[str, str], str]) -> Verdicts:
    ever: dict[tuple[str, str], set[str]] = {}
    flaps: dict[tuple[str, str], int] = {}
    for change in data["changes"]:
        key = (change["classname"], change["name"])
        ever.setdefault(key, set()).add(change["to"])
        if change["from"] in LABELLED and change["to"] not in LABELLED:
            flaps[key] = flaps.get(key, 0) + 1
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
        flaps=flaps,
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
    checks = [t for t in tests if t.kind is Kind.CHECK]
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
        "checks": len(checks),
        "mends": sum(t.mends for t in checks),
        "checks_flaky": sum(t.key in verdicts.labelled for t in checks),
        "checks_suspected": sum(t.key in verdicts.flagged for t in checks),
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
    if verdicts.flaps is not None:
        # Every simulated flaky test keeps its rate: a verdict that leaves flaky is a flap.
        flaps = [verdicts.flaps.get(t.key, 0) for t in flaky]
        figures["flaps"] = sum(flaps)
        figures["flapping_tests"] = sum(n > 0 for n in flaps)
        figures["max_flaps"] = max(flaps, default=0)
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
