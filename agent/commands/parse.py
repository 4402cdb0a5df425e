"""``orchestrate parse``: read report files locally and say what is in them, uploading nothing.

Exit status: OK when at least one file was read; NO_REPORTS when nothing matched or every matched file
failed to parse (a typo in a glob should not look like success). Files that fail among readable ones are
listed with their error and counted in ``parse_errors`` without changing the status. A file whose cases
do not add up to the totals its header declares gets one warning line on stderr (``totals_warnings``,
which ``orchestrate report`` prints too).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from agent.commands.base import ExitStatus, Runtime

if TYPE_CHECKING:
    from agent.upload import FileResult

COUNTS = ("suites", "tests", "passed", "failures", "errors", "skipped")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "parse",
        help="read test reports locally and summarise them",
        description="Read test report files (JUnit XML and the other formats the agent knows) and print "
        "what they contain, per file and in total. Nothing is uploaded.",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="FILE_OR_GLOB", help="report files or globs (** for any depth)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of text")
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    import json

    from agent.commands.files import expand
    from agent.upload import iter_cases

    matched = expand(args.paths)
    for pattern in matched.unmatched:
        runtime.err(f"warning: no file matches {pattern}")
    results: list[FileResult] = []
    for _ in iter_cases(matched.paths, results):
        pass
    for warning in totals_warnings(results):
        runtime.err(warning)
    totals: dict[str, int] = {
        "files": len(results),
        **{k: sum(getattr(r, k) for r in results) for k in COUNTS},
    }
    totals["parse_errors"] = sum(1 for r in results if r.error)

    if args.json:
        document = {"files": [_file_json(r) for r in results], "totals": totals}
        runtime.out(json.dumps(document, ensure_ascii=False))
    else:
        for result in results:
            runtime.out(_file_line(result))
        runtime.out(_totals_line(totals))

    if not results or totals["parse_errors"] == len(results):
        if not args.json:
            runtime.err("error: no report could be read" if results else "error: no file matched")
        return ExitStatus.NO_REPORTS
    return ExitStatus.OK


def totals_warnings(results: Iterable[FileResult]) -> Iterator[str]:
    """One warning line per file read whole whose cases disagree with the totals its header declares."""
    from agent.model import Status
    from agent.parsers.totals import disagreement

    for result in results:
        if result.error is None:
            counts = {
                Status.PASSED: result.passed,
                Status.FAILED: result.failures,
                Status.ERROR: result.errors,
                Status.SKIPPED: result.skipped,
            }
            line = disagreement(result.path, result.declared, counts)
            if line:
                yield line


def _file_json(result: Any) -> dict[str, Any]:
    return {
        "path": result.path,
        "format": result.format,
        "error": result.error,
        **{key: getattr(result, key) for key in COUNTS},
        "declared": result.declared,
    }


def _file_line(result: Any) -> str:
    counts = (
        f"{_n(result.suites, 'suite')}, {_n(result.tests, 'test')} ({result.passed} passed, "
        f"{result.failures} failed, {_n(result.errors, 'error')}, {result.skipped} skipped)"
    )
    if result.error:
        read = f"; read before the error: {counts}" if result.tests else ""
        return f"ERROR {result.error}{read}"
    return f"{result.path}: {result.format}, {counts}"


def _totals_line(totals: dict[str, int]) -> str:
    line = (
        f"Total: {_n(totals['files'], 'file')}, {_n(totals['suites'], 'suite')}, "
        f"{_n(totals['tests'], 'test')}: {totals['passed']} passed, {totals['failures']} failed, "
        f"{_n(totals['errors'], 'error')}, {totals['skipped']} skipped"
    )
    if totals["parse_errors"]:
        line += f"; {_n(totals['parse_errors'], 'file')} could not be read"
    return line


def _n(count: int, noun: str) -> str:
    """``1 file``, ``2 files``, ``0 files``."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
