"""``orchestrate diagnose LOG [--baseline PASSING_LOG] [--json] [--rules FILE]``."""

from __future__ import annotations

import io
import json

from agent.cli import main
from agent.commands.base import ExitStatus

FAILED = (
    "2026-11-30T10:00:01.0000000Z ##[group]Run pytest\n"
    "2026-11-30T10:00:01.1000000Z ##[endgroup]\n"
    "2026-11-30T10:00:02.0000000Z E   ModuleNotFoundError: No module named 'yaml'\n"
    "2026-11-30T10:00:03.0000000Z ##[error]Process completed with exit code 1.\n"
)


def run(argv, capsys):
    status = main(argv, {})
    out, err = capsys.readouterr()
    return status, out, err


def test_it_prints_the_category_the_rule_and_the_numbered_lines(tmp_path, capsys):
    log = tmp_path / "job.log"
    log.write_text(FAILED)

    status, out, _ = run(["diagnose", str(log)], capsys)

    assert status == ExitStatus.OK
    first, *lines = out.splitlines()
    assert first.startswith("category: import (rule ")
    assert lines == ["3 | E   ModuleNotFoundError: No module named 'yaml'"]


def test_json_carries_category_rule_and_spans(tmp_path, capsys):
    log = tmp_path / "job.log"
    log.write_text(FAILED)

    status, out, _ = run(["diagnose", str(log), "--json"], capsys)

    document = json.loads(out)
    assert status == ExitStatus.OK
    assert document["category"] == "import"
    assert document["rule"]
    assert document["spans"] == [{"first_line": 3, "last_line": 3}]


def test_a_baseline_removes_what_the_passing_log_printed_too(tmp_path, capsys):
    failed, passed = tmp_path / "failed.log", tmp_path / "passed.log"
    failed.write_text("fatal: the cache is stale\nfatal: remote rejected the push\n")
    passed.write_text("fatal: the cache is stale\nok\n")

    _, out, _ = run(["diagnose", str(failed), "--baseline", str(passed), "--json"], capsys)

    assert json.loads(out)["spans"] == [{"first_line": 2, "last_line": 2}]


def test_a_teams_own_rules_come_before_the_built_in_ones(tmp_path, capsys):
    log, rules = tmp_path / "job.log", tmp_path / "rules.yml"
    log.write_text(FAILED)
    rules.write_text(
        "rules:\n  - name: our-yaml\n    category: dependency\n    log: No module named 'yaml'\n"
    )

    _, out, _ = run(["diagnose", str(log), "--rules", str(rules), "--json"], capsys)

    document = json.loads(out)
    assert (document["category"], document["rule"]) == ("dependency", "our-yaml")


def test_an_unreadable_log_is_one_line_and_a_usage_error(tmp_path, capsys):
    status, out, err = run(["diagnose", str(tmp_path / "missing.log")], capsys)

    assert status == ExitStatus.USAGE
    assert out == ""
    assert err.strip().splitlines() == [
        f"error: cannot read {tmp_path / 'missing.log'}: No such file or directory"
    ]


def test_standard_input_is_read_for_a_dash(monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(FAILED))

    _, out, _ = run(["diagnose", "-", "--json"], capsys)

    assert json.loads(out)["spans"] == [{"first_line": 3, "last_line": 3}]
