"""The benchmarks stay runnable: each runs end to end in its quick mode and prints its table.

They assert nothing about speed (figures belong in the benchmark's output, not in tests); they fail only if
a benchmark breaks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def run(*argv: str) -> str:
    result = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_parse_benchmark_runs_and_prints_its_targets():
    output = run("benchmarks/parse.py", "--quick")
    assert "targets" in output
    assert "orchestrate parse of 10k cases, whole process" in output


def test_the_ingest_benchmark_runs_through_the_http_api_on_sqlite():
    output = run("benchmarks/ingest.py", "--quick", "--backends", "sqlite")
    assert "request to committed" in output
    assert "GET /api/v1/runs/" in output


def test_the_analysis_benchmark_measures_the_old_rescan_beside_the_owed_work_and_a_drain():
    output = run("benchmarks/analysis.py", "--quick")
    assert "old/ours" in output
    assert "drain:" in output


def test_the_fix_jobs_benchmark_drives_a_two_worker_cluster_beside_its_floor():
    output = run("benchmarks/fix_jobs.py", "--quick")
    assert "jobs/s (2 workers)" in output
    assert "no-op tasks/s" in output


def test_the_flaky_simulator_builds_the_same_history_from_the_same_seed():
    first, again, other = (
        run("benchmarks/flaky_sim.py", "--quick", "--dry-run", "--seed", seed) for seed in ("1", "1", "2")
    )
    assert first.startswith("history ")
    assert first == again
    assert first.split(":")[0] != other.split(":")[0]


def test_the_flaky_simulators_hard_scenario_builds_another_history():
    default, hard = (
        run("benchmarks/flaky_sim.py", "--quick", "--dry-run", *extra) for extra in ((), ("--hard",))
    )
    assert hard.startswith("history ")
    assert hard.split(":")[0] != default.split(":")[0]


def test_the_flaky_simulator_scores_the_hubs_verdicts_against_its_ground_truth(tmp_path):
    output = run("benchmarks/flaky_sim.py", "--quick", "--json", str(tmp_path / "figures.json"))
    report = json.loads((tmp_path / "figures.json").read_text())
    assert "precision (ever labelled flaky)" in output
    assert "DeFlaker" in output
    assert report["task_failures"] == 0
    # The history really holds regressions that fail and later pass: the naive baseline takes them for flaky.
    assert report["figures"]["naive"]["regressions_flaky"] > 0


def test_the_recompute_benchmark_times_the_full_recompute_and_the_flaky_list_on_sqlite():
    output = run("benchmarks/flaky_recompute.py", "--quick", "--backends", "sqlite")
    assert "recompute_project, 40k results" in output
    assert "GET /api/v1/flaky p95" in output


def test_the_diagnosis_benchmark_measures_ours_beside_both_naive_extractors():
    output = run("benchmarks/diagnose.py", "--quick")
    assert "tail: last 50 lines" in output
    assert "grep: error|fail|exception" in output


def test_the_fix_quality_benchmark_fixes_its_repositories_and_refuses_what_it_must():
    output = run("benchmarks/fix_quality.py", "--quick")
    assert "wrong-fix rate: 0/" in output
    assert "refusals correct:" in output


def test_the_dashboard_benchmark_times_every_page_with_a_history_and_a_huge_run():
    output = run("benchmarks/dashboard.py", "--quick")
    assert "a run of 2,000 failures" in output
    assert "target p95 < 150 ms" in output
    if "first paint skipped" not in output:  # Chromium and Playwright here: the huge run's first paint
        assert "target FCP p95 < 1000 ms" in output
