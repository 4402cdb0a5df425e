"""The benchmarks stay runnable: each runs end to end in its quick mode and prints its table.

They assert nothing about speed (figures belong in the benchmark's output, not in tests); they fail only if
a benchmark breaks.
"""

from __future__ import annotations

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
