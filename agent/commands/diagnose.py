"""``orchestrate diagnose``: why a job's log says it failed, in at most 60 lines a person can read.

Prints the failure's category and the rule that named it, then the lines that explain the failure with
their line numbers in the log file (1-based, a line per ``\\n``), so an editor or ``sed -n`` finds them.
``--baseline`` takes a passing log of the same job: lines it printed too are not the error. ``--json``
prints ``{"category", "rule", "spans": [{"first_line", "last_line"}]}``. The hub runs the same code on the
logs of failed jobs it fetches (docs/diagnose.md).

Exit status: OK when the log was read (whatever it says); USAGE when a file cannot be read or a rules
file is wrong.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agent.commands.base import ExitStatus, Runtime, UsageError

MAX_LOG_BYTES = 64 * 1024 * 1024  # larger logs are read from their end, where the failure is


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="show the lines of a failed job's log that explain the failure",
        description="Read a CI job's log and print the kind of failure and the lines that explain it "
        "(at most 60), with their line numbers. GitHub Actions timestamps and groups, GitLab sections, "
        "ANSI colours and progress bars are understood.",
    )
    parser.add_argument("log", metavar="LOG", help="the failed job's log file ('-' for standard input)")
    parser.add_argument("--baseline", metavar="PASSING_LOG", help="a passing log of the same job")
    parser.add_argument("--rules", metavar="FILE", help="your own failure rules (YAML), tried first")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    import json
    import sys

    from agent.diagnosis import diagnose
    from agent.diagnosis.categories import RuleError, builtin_rules, load_file

    log = sys.stdin.read() if args.log == "-" else read_log(args.log)
    baseline = read_log(args.baseline) if args.baseline else None
    try:
        rules = load_file(args.rules).combine(builtin_rules()) if args.rules else builtin_rules()
    except RuleError as exc:
        raise UsageError(str(exc)) from None

    def categorise(excerpt: str) -> tuple[str, str]:
        match = rules.categorise_log(excerpt)
        return match.category, match.rule

    result = diagnose(log, baseline, categorise=categorise)
    if args.json:
        runtime.out(json.dumps(result.as_json()))
        return ExitStatus.OK
    rule = f" (rule {result.rule})" if result.rule else ""
    runtime.out(f"category: {result.category}{rule}")
    if not result.spans:
        runtime.out("no lines in this log explain a failure")
    width = len(str(result.spans[-1].last + 1)) if result.spans else 1
    previous = None
    for number, text in result.excerpt():
        if previous is not None and number != previous + 1:
            runtime.out("   " + "·" * width)
        runtime.out(f"{number:>{width}} | {text}")
        previous = number
    return ExitStatus.OK


def read_log(path: str) -> str:
    """The log's text (its last ``MAX_LOG_BYTES`` when larger), decoding what is not UTF-8 as U+FFFD."""
    try:
        with open(Path(path), "rb") as handle:
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - MAX_LOG_BYTES))
            data = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    return data.decode("utf-8", errors="replace")
