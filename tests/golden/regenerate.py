"""Regenerate the expected outputs of the golden parser tests.

Each input ``tests/golden/<format>/NAME.<ext>`` has ``NAME.expected.json`` beside it: what the parser
makes of it, as the report document writes cases (``agent.document.case_to_json``), with the format, the
suite count, the totals the file declares (``agent.parsers.totals``) and the error a damaged file ends
with. Run after a deliberate parser change, then read the diff: every changed line is a behaviour change
someone should agree with.

    python tests/golden/regenerate.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from agent.document import case_to_json, coverage_to_json
from agent.model import ReportParseError
from agent.parsers import COVERAGE_FORMATS, read_coverage, read_report

GOLDEN = Path(__file__).resolve().parent
EXPECTED_SUFFIX = ".expected.json"


def inputs() -> list[Path]:
    """Every golden input file, sorted, grouped by format directory."""
    return sorted(
        path
        for path in GOLDEN.glob("*/*")
        if path.is_file() and not path.name.endswith(EXPECTED_SUFFIX) and path.parent.name != "__pycache__"
    )


def expected_path(source: Path) -> Path:
    return source.with_name(source.stem + EXPECTED_SUFFIX)


def render(source: Path) -> dict[str, Any]:
    """What the parsers make of ``source``, as plain JSON data."""
    if source.parent.name in COVERAGE_FORMATS:
        coverage = read_coverage(source)
        return {"format": coverage.format, "coverage": coverage_to_json(coverage)}
    reader = read_report(source)
    cases: list[dict[str, Any]] = []
    error = None
    try:
        for case in reader:
            cases.append(case_to_json(case))
    except ReportParseError as exc:
        error = {"message": exc.error.message, "line": exc.error.line, "column": exc.error.column}
    return {
        "format": reader.format,
        "suites": reader.suites,
        "declared": reader.declared,
        "cases": cases,
        "error": error,
    }


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> int:
    for source in inputs():
        target = expected_path(source)
        text = dump(render(source))
        if not target.exists() or target.read_text("utf-8") != text:
            target.write_text(text, "utf-8")
            print(f"wrote {target.relative_to(GOLDEN)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
