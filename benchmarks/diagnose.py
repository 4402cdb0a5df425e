"""Does ``orchestrate diagnose`` show the lines that explain a failed log, beside two naive extractors?

    python benchmarks/diagnose.py [--per-scenario 10] [--seed 7] [--no-baseline] [--quick]

The logs are written by ``benchmarks/_logs.py``: 20 kinds of failure (pytest, Maven, Gradle, npm, Jest,
Node, cargo, go, flake8, mypy, eslint, Docker, the shell, out of memory), each in GitHub Actions' and
GitLab's dress, each with the lines a person would point at and a passing log of the same job. Three
extractors read each log:

1. ours: ``agent.diagnosis.diagnose`` with the passing log as its baseline (``--no-baseline``: without);
2. tail: the last 50 lines, what a CI page shows first and what the hub kept before;
3. grep: every line matching ``error|fail|exception`` (case-insensitive), at most 60.

Figures: the share of logs whose explaining lines are all in the excerpt (target >= 0.90), line recall
(explaining lines shown / explaining lines) and line precision (explaining lines shown / non-blank lines
shown), and lines shown per log. The logs are ours, written from the tools' real output formats; a
detector tuned on them could flatter itself, which is why the naive extractors are measured on the same
logs in the same run and the scenarios carry the noise real logs carry (passing tests named
``test_error_handling``, packages named ``errorhandler``, progress bars, deprecation warnings).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _logs import Log, logs
from _table import render

from agent.diagnosis import MAX_LINES, diagnose
from agent.diagnosis.lines import split_raw

TARGET_FOUND = 0.90
GREP = re.compile(r"error|fail|exception", re.IGNORECASE)

Extractor = Callable[[Log], set[int]]


def ours(baseline: bool) -> Extractor:
    def extract(log: Log) -> set[int]:
        result = diagnose(log.text, log.baseline if baseline else None)
        return {number for number, _ in result.excerpt()}

    return extract


def tail(log: Log) -> set[int]:
    count = len(split_raw(log.text))
    return set(range(max(1, count - 49), count + 1))


def grep(log: Log) -> set[int]:
    found = [n for n, line in enumerate(split_raw(log.text), start=1) if GREP.search(line)]
    return set(found[-MAX_LINES:])


@dataclass
class Row:
    name: str
    found: str
    recall: str
    precision: str
    lines: str
    ms: str


def measure(name: str, extract: Extractor, corpus: Sequence[Log]) -> tuple[Row, float]:
    found = shown_right = explaining = shown_total = 0
    started = time.perf_counter()
    for log in corpus:
        shown = extract(log)
        raw = split_raw(log.text)
        shown = {n for n in shown if raw[n - 1].strip()}
        found += log.errors <= shown
        shown_right += len(log.errors & shown)
        explaining += len(log.errors)
        shown_total += len(shown)
    elapsed = (time.perf_counter() - started) * 1000 / len(corpus)
    share = found / len(corpus)
    row = Row(
        name,
        f"{share:.2f}",
        f"{shown_right / explaining:.2f}",
        f"{shown_right / max(1, shown_total):.2f}",
        f"{shown_total / len(corpus):.1f}",
        f"{elapsed:.2f}",
    )
    return row, share


def misses(corpus: Sequence[Log], extract: Extractor) -> list[str]:
    return [log.name for log in corpus if not log.errors <= extract(log)]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--per-scenario", type=int, default=10, help="logs per kind of failure (default 10)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-baseline", action="store_true", help="diagnose without the passing logs")
    parser.add_argument("--quick", action="store_true", help="2 logs per kind: a smoke test")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    corpus = logs(2 if args.quick else args.per_scenario, args.seed)
    print(
        f"{len(corpus)} failed logs, {len({log.name.rsplit('-', 1)[0] for log in corpus})} kinds of failure"
    )
    extractors: list[tuple[str, Extractor]] = [
        ("ours" + (" (no baseline)" if args.no_baseline else " (with baseline)"), ours(not args.no_baseline)),
        ("tail: last 50 lines", tail),
        ("grep: error|fail|exception", grep),
    ]
    rows, shares = [], {}
    for name, extract in extractors:
        row, share = measure(name, extract, corpus)
        rows.append(row)
        shares[name] = share
    columns = [
        ("name", "extractor"),
        ("found", "all error lines shown"),
        ("recall", "line recall"),
        ("precision", "line precision"),
        ("lines", "lines shown"),
        ("ms", "ms per log"),
    ]
    print(render(rows, columns))
    ours_share = shares[extractors[0][0]]
    missed = misses(corpus, extractors[0][1])
    if missed:
        print("ours missed lines in: " + ", ".join(missed[:20]) + (" ..." if len(missed) > 20 else ""))
    verdict = "PASS" if ours_share >= TARGET_FOUND else "FAIL"
    print(
        f"{verdict}: ours shows every explaining line in {ours_share:.0%} of logs "
        f"(target >= {TARGET_FOUND:.0%})"
    )
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
