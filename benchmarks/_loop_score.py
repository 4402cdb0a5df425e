"""The loop benchmark's figures: what the hub's merge decision did, scored against the scenarios' truth,
beside two policies played on the same CI runs: a naive one ("merge the first time the pull request's
CI is green") and the truth's own (merge the first green run of a good head: the best possible).

Pure functions over the outcomes ``_loop_drive.py`` prints (plain dicts); no Django.

- a merge is *right* when the head merged is good in the truth (it fixes the failure, breaks nothing,
  the application starts); merge precision is right merges / merges (target 100%);
- a failure is *resolved without a person* when a right merge closed it;
- red to merged: simulated minutes from the red run on main to the completion of the CI run whose
  result the merge followed (the fix workflow's and CI's durations are drawn from the seeded RNG); the
  hub's own wall seconds for that last step are reported beside it;
- wasted: fix rounds after the first and CI re-runs spent on failures that did not end in a right merge.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from _loop_world import SCENARIOS, TITLES

HUB, NAIVE = "the hub's merge decision", "naive: merge when the PR's CI is green"
ORACLE = "the truth: merge only good heads (best possible)"


def first_green(outcome: dict[str, Any], *, oracle: bool = False) -> tuple[bool | None, float | None]:
    """The naive policy on the instance's CI runs (the first green run's head is merged): whether that
    head is good, and when; (None, None) when it merges nothing. ``oracle``: the truth's own policy,
    which merges the first green run of a good head (the best any decision could do on these runs)."""
    runs = (run for run in outcome["runs"] if run["green"] and (run["good"] or not oracle))
    first = next(runs, None)
    return (first["good"], first["minute"]) if first is not None else (None, None)


def settled(outcome: dict[str, Any]) -> str:
    """merged, asked (the hub left it to a person) or waiting (the hub had not settled it)."""
    if outcome["merged_sha"]:
        return "merged"
    if outcome["cut_off"] or outcome["job_state"] not in ("succeeded", "failed"):
        return "waiting"
    return "asked"


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} = {100 * part / whole:.0f}%" if whole else "-"


def _quantiles(values: Sequence[float]) -> str:
    if not values:
        return "-"
    if len(values) == 1:
        return f"{values[0]:.1f} / {values[0]:.1f}"
    cuts = statistics.quantiles(values, n=10, method="inclusive")
    return f"{statistics.median(values):.1f} / {cuts[8]:.1f}"


@dataclass(frozen=True)
class ScenarioRow:
    scenario: str
    runs: str
    merged: str
    wrong: str
    asked: str
    waiting: str
    rounds: str
    reruns: str
    naive_merged: str
    naive_wrong: str


@dataclass(frozen=True)
class PolicyRow:
    policy: str
    merged: str
    precision: str
    resolved: str
    to_merge: str
    hub_wall: str
    wasted: str


def scenario_rows(outcomes: Sequence[dict[str, Any]]) -> list[ScenarioRow]:
    rows = []
    for scenario in SCENARIOS:
        mine = [o for o in outcomes if o["scenario"] == scenario]
        if not mine:
            continue
        states = [settled(o) for o in mine]
        naive_merges = [first_green(o)[0] for o in mine if first_green(o)[0] is not None]
        rows.append(
            ScenarioRow(
                scenario=TITLES[scenario],
                runs=str(len(mine)),
                merged=str(states.count("merged")),
                wrong=str(sum(1 for o in mine if o["merged_good"] is False)),
                asked=str(states.count("asked")),
                waiting=str(states.count("waiting")),
                rounds=str(sum(max(o["dispatches"] - 1, 0) for o in mine)),
                reruns=str(sum(o["reruns"] for o in mine)),
                naive_merged=str(len(naive_merges)),
                naive_wrong=str(naive_merges.count(False)),
            )
        )
    return rows


def figures(outcomes: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The headline figures of the hub and both baselines, as numbers (kept in the ``--json`` document)."""
    total = len(outcomes)
    merged = [o for o in outcomes if o["merged_sha"]]
    right = [o for o in merged if o["merged_good"]]
    wasted = sum(max(o["dispatches"] - 1, 0) + o["reruns"] for o in outcomes if not o["merged_good"])
    return {
        "hub": {
            "instances": total,
            "merged": len(merged),
            "right": len(right),
            "precision": len(right) / len(merged) if merged else None,
            "resolved_without_person": len(right) / total if total else None,
            "minutes_to_merge": [o["minutes_to_merge"] for o in right],
            "merge_wall_seconds": [o["merge_wall_seconds"] for o in right],
            "wasted": wasted,
            "reruns": sum(o["reruns"] for o in outcomes),
            "asked": sum(1 for o in outcomes if settled(o) == "asked"),
            "waiting": sum(1 for o in outcomes if settled(o) == "waiting"),
        },
        "naive": _played(outcomes, oracle=False),
        "oracle": _played(outcomes, oracle=True),
    }


def _played(outcomes: Sequence[dict[str, Any]], *, oracle: bool) -> dict[str, Any]:
    merged = [
        (good, minute)
        for good, minute in (first_green(o, oracle=oracle) for o in outcomes)
        if good is not None
    ]
    right = [minute for good, minute in merged if good]
    return {
        "instances": len(outcomes),
        "merged": len(merged),
        "right": len(right),
        "precision": len(right) / len(merged) if merged else None,
        "resolved_without_person": len(right) / len(outcomes) if outcomes else None,
        "minutes_to_merge": right,
    }


def policy_rows(numbers: dict[str, dict[str, Any]]) -> list[PolicyRow]:
    hub = numbers["hub"]
    return [
        PolicyRow(
            HUB,
            str(hub["merged"]),
            _pct(hub["right"], hub["merged"]),
            _pct(hub["right"], hub["instances"]),
            _quantiles(hub["minutes_to_merge"]),
            _quantiles(hub["merge_wall_seconds"]),
            str(hub["wasted"]),
        ),
        *(
            PolicyRow(
                title,
                str(numbers[name]["merged"]),
                _pct(numbers[name]["right"], numbers[name]["merged"]),
                _pct(numbers[name]["right"], numbers[name]["instances"]),
                _quantiles(numbers[name]["minutes_to_merge"]),
                "-",
                "-",
            )
            for name, title in (("naive", NAIVE), ("oracle", ORACLE))
        ),
    ]


SCENARIO_COLUMNS = [
    ("scenario", "scenario"),
    ("runs", "runs"),
    ("merged", "merged"),
    ("wrong", "merged wrongly"),
    ("asked", "person asked"),
    ("waiting", "waiting"),
    ("rounds", "extra rounds"),
    ("reruns", "CI re-runs"),
    ("naive_merged", "naive merged"),
    ("naive_wrong", "naive wrongly"),
]
POLICY_COLUMNS = [
    ("policy", "policy"),
    ("merged", "merged"),
    ("precision", "merge precision"),
    ("resolved", "resolved without a person"),
    ("to_merge", "red->merged p50 / p90 (sim. min)"),
    ("hub_wall", "hub's last step p50 / p90 (wall s)"),
    ("wasted", "wasted rounds + re-runs"),
]
