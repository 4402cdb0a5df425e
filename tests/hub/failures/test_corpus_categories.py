"""Over every failed test in the shared corpus, the built-in rules leave fewer than one in ten "unknown"
where a person can name the category, and name none of them wrongly (our labels:
``benchmarks/_category_labels.py``; the measurement: ``benchmarks/failure_categories.py``, run here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def figures(tmp_path_factory) -> dict:
    if not (ROOT / ".." / "shared" / "corpus" / "junit").is_dir():
        pytest.skip("the shared corpus is not beside the repository")
    out = tmp_path_factory.mktemp("categories") / "figures.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/failure_categories.py", "--json", str(out), "--list"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # this checkout's rules, whatever is installed
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    print(result.stdout)  # the figure, for -s and for the log of a failed run
    return json.loads(out.read_text())


def test_fewer_than_one_in_ten_nameable_failures_end_unknown(figures, record_property):
    record_property("unknown_share", round(figures["unknown_share"], 4))

    assert figures["nameable"] > 100  # the labels cover the corpus, not a sample of it
    assert figures["unknown_share"] < 0.10, figures["unknown_where_nameable"]


def test_no_nameable_failure_gets_another_category(figures):
    assert figures["misnamed"] == []
