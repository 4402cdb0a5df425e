"""The load and fault suite stays runnable: each command runs at its quick size and prints its figures.

Like the other benchmark smoke tests these assert nothing about speed or about the figures' values (the
suite measures whatever the code does, losses included); they fail when a command breaks or stops
printing what it promises: its losses and repeats, each against its target of 0. They need PostgreSQL
(and ``redis-server`` for the Redis broker): the commands skip with a message without them, and so do
these tests. The scratch database is ``$BENCH_LOAD_DATABASE`` (default ``orchestrate_load``).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

LOSSES = (
    "lost: uploads confirmed but not stored",
    "lost: uploads never analysed after the drain",
    "lost: failed results flaky detection never saw",
    "repeated: uploads of one job beyond the first",
    "repeated: cluster occurrences beyond their failures",
    "repeated: flaky state changes out of sequence",
)


def postgres_reachable() -> bool:
    """As the benchmarks decide it (``BENCH_POSTGRES_URL``); they print why they skip, this only skips."""
    try:
        import psycopg
    except ImportError:
        return False
    try:
        server = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        with psycopg.connect(server, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


needs_postgres = pytest.mark.skipif(not postgres_reachable(), reason="PostgreSQL is not reachable")
needs_redis = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


def run(*argv: str) -> str:
    result = subprocess.run(
        [sys.executable, *argv, "--quick"], cwd=ROOT, capture_output=True, text=True, timeout=400
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def has_row(output: str, scenario: str, figure: str) -> bool:
    return any(line.startswith(scenario + " ") and figure in line for line in output.splitlines())


def assert_prints_losses(output: str, scenario: str) -> None:
    for figure in LOSSES:
        assert has_row(output, scenario, figure), f"{scenario}: no row for {figure!r}"


@needs_postgres
def test_sustained_uploads_print_throughput_the_queue_over_time_and_losses():
    output = run("benchmarks/load.py", "--brokers", "orm", "--rate", "4")
    assert "uploads/s, results/s (confirmed; clients offered 4/s)" in output
    sent = re.search(r"uploads confirmed / sent [^\n]* (\d+) / (\d+) in 6 s", output)
    assert sent, "no uploads figure"
    assert 12 <= int(sent[2]) <= 4 * 6 + 2, "the clients did not keep to the rate asked for"
    assert "oldest owed analysis, worst sample" in output
    figure = r"upload to its verdict \(flaky detection\) [^\n]* - +[\d.]+ / [\d.]+ / [\d.]+ s"
    assert re.search("postgresql/orm +" + figure, output), "no upload-to-verdict figure measured"
    assert "postgresql/orm: the queue over time" in output
    assert_prints_losses(output, "postgresql/orm")


QUEUE_FAULTS = [
    pytest.param(
        ("worker-kill", "--brokers", "redis"), "SIGKILLs at t =", "worker-kill redis", marks=needs_redis
    ),
    pytest.param(("db-terminate",), "connections terminated in", "db-terminate orm"),
    pytest.param(("redis-restart",), "Redis down from t =", "redis-restart redis", marks=needs_redis),
]


@needs_postgres
@pytest.mark.parametrize(("argv", "damage", "scenario"), QUEUE_FAULTS, ids=lambda value: str(value)[:20])
def test_a_fault_under_load_prints_the_damage_done_and_what_was_lost_or_repeated(argv, damage, scenario):
    output = run("benchmarks/faults.py", *argv)
    assert f"{scenario}: " in output
    assert damage in output
    assert_prints_losses(output, scenario)


@needs_postgres
def test_the_hub_down_during_agent_uploads_counts_each_report_once():
    output = run("benchmarks/faults.py", "hub-down")
    for scenario in ("hub-down down-throughout", "hub-down restarted-mid-upload"):
        assert has_row(output, scenario, "lost: reports never stored")
        assert has_row(output, scenario, "repeated: uploads beyond one per report")


def test_a_provider_storm_counts_attempts_waits_and_repeated_reruns_and_log_fetches():
    output = run("benchmarks/faults.py", "provider-storm")
    assert "Retry-After waits honoured" in output
    assert "repeated: runs re-run more than once" in output
    assert "re-runs failed on a 5xx not saying the CI may have begun them" in output
    assert "re-run: 429 then accepted: done" in output
    assert "log: 502, 503, then 200: done" in output


def test_an_interrupted_run_stops_every_process_it_started_and_says_so():
    command = [sys.executable, "benchmarks/load.py", "--quick", "--backends", "sqlite", "--brokers", "orm"]
    run = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        while not any(" t=" in line for line in seen):  # the load is running: sampling has begun
            line = run.stderr.readline()
            assert line, "".join(seen)[-3000:]
            seen.append(line)
        started = children_of(run.pid)
        run.send_signal(signal.SIGINT)
        _out, err = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 130, err[-3000:]
    assert "interrupted: every process this run started has been stopped" in err
    assert started, "the run had started its hub and its cluster"
    assert not [pid for pid in started if Path(f"/proc/{pid}").exists()]


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid``: gunicorn's master and qcluster (redis-server for Redis)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found
