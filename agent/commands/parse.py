"""``orchestrate parse``: read report files locally and say what is in them, uploading nothing.

Exit status: OK when at least one file was read; NO_REPORTS when nothing matched or every matched file
failed to parse (a typo in a glob should not look like success). Files that fail among readable ones are
listed with their error and counted in ``parse_errors`` without changing the status.
"""

from __future__ import annotations

import argparse
from typing import Any

from agent.commands.base import ExitStatus, Runtime

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
    from agent.upload import FileResult, iter_cases

    matched = expand(args.paths)
    for pattern in matched.unmatched:
        runtime.err(f"warning: no file matches {pattern}")
    results: list[FileResult] = []
    for _ in iter_cases(matched.paths, results):
        pass
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


def _file_json(result: Any) -> dict[str, Any]:
    return {
        "path": result.path,
        "format": result.format,
        "error": result.error,
        **{key: getattr(result, key) for key in COUNTS},
    }


def _file_line(result: Any) -> str:
    counts = (
        f"{result.suites} suites, {result.tests} tests ({result.passed} passed, {result.failures} failed, "
        f"{result.errors} errors, {result.skipped} skipped)"
    )
    if result.error:
        read = f"; read before the error: {counts}" if result.tests else ""
        return f"ERROR {result.error}{read}"
    return f"{result.path}: {result.format}, {counts}"


def _totals_line(totals: dict[str, int]) -> str:
    line = (
        f"Total: {totals['files']} files, {totals['suites']} suites, {totals['tests']} tests: "
        f"{totals['passed']} passed, {totals['failures']} failed, {totals['errors']} errors, "
        f"{totals['skipped']} skipped"
    )
    if totals["parse_errors"]:
        errors = totals["parse_errors"]
        line += f"; {errors} {'file' if errors == 1 else 'files'} could not be read"
    return line
