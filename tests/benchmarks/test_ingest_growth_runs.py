"""The ingest-growth benchmark stays runnable: its quick mode posts in a row on SQLite and compares.

Like the other benchmark smoke tests it asserts nothing about speed; it fails when the script breaks,
or when its write counter reads nothing (a growth figure of zero bytes would pass for flat).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def test_the_growth_benchmark_compares_the_first_posts_with_the_last_on_sqlite(tmp_path):
    figures = tmp_path / "growth.json"
    result = subprocess.run(
        [sys.executable, "benchmarks/ingest_growth.py", "--quick", "--backends", "sqlite", "--json", figures],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "request to committed, median" in result.stdout
    assert "sqlite: ingest stays flat" in result.stdout or "sqlite: ingest grows" in result.stdout
    posts = json.loads(figures.read_text())["posts"]["sqlite"]
    assert [post["number"] for post in posts] == list(range(1, 9))
    assert all(post["written"]["workers' writes"] > 0 for post in posts)
