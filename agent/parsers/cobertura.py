"""Cobertura XML coverage (coverage.py, istanbul/nyc, JaCoCo converters, gcovr): line and branch counts.

Counts come from the ``<line>`` elements of each ``<class>`` (not its ``<methods>``, which repeat them),
merged per ``filename`` because Java and istanbul write several classes for one file; a line listed twice
counts once, covered if any listing has hits. Branches come from ``condition-coverage="50% (1/2)"``. The
root's own totals are used only when there are no ``<line>`` elements at all (istanbul's root totals
count statements, not lines, so they differ from the lines listed); its rates are always ignored.
"""

from __future__ import annotations

import re

from agent.model import Coverage, FileCoverage
from agent.parsers import _values as v
from agent.parsers._xml import Handler, stream

_ROOT_TOTALS = ("lines-covered", "lines-valid", "branches-covered", "branches-valid")
_CONDITIONS = re.compile(r"\((\d+)\s*/\s*(\d+)\)")


def read(path: str) -> Coverage:
    handler = _CoberturaHandler()
    for _ in stream(path, handler):
        pass
    files = tuple(
        FileCoverage(
            path=name,
            lines_covered=sum(1 for hits, _, _ in lines.values() if hits),
            lines_valid=len(lines),
            branches_covered=sum(covered for _, covered, _ in lines.values()),
            branches_valid=sum(valid for _, _, valid in lines.values()),
        )
        for name, lines in handler.files.items()
    )
    totals = [
        sum(f.lines_covered for f in files),
        sum(f.lines_valid for f in files),
        sum(f.branches_covered for f in files),
        sum(f.branches_valid for f in files),
    ]
    if not any(totals):  # a summary-only report: no <line> elements, totals on the root
        root = handler.root
        totals = [v.integer(root.get(key)) or 0 for key in _ROOT_TOTALS]
    return Coverage("cobertura", *totals, files=files)


class _CoberturaHandler(Handler):
    def __init__(self) -> None:
        super().__init__()
        # file -> line number -> (hit, branches covered, branches valid)
        self.files: dict[str, dict[int, tuple[bool, int, int]]] = {}
        self.current: dict[int, tuple[bool, int, int]] | None = None
        self.in_methods = 0
        self.root: dict[str, str] = {}

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if name == "line":
            if self.current is not None and not self.in_methods:
                self._line(attrs)
        elif name == "class":
            filename = v.path(attrs.get("filename")) or v.path(attrs.get("name")) or "(unknown)"
            self.current = self.files.setdefault(filename, {})
        elif name == "methods":
            self.in_methods += 1
        elif name == "coverage":
            self.root = attrs

    def end(self, name: str) -> None:
        if name == "class":
            self.current = None
        elif name == "methods":
            self.in_methods -= 1

    def _line(self, attrs: dict[str, str]) -> None:
        number = v.integer(attrs.get("number"))
        if number is None or self.current is None:
            return
        hits = (v.integer(attrs.get("hits")) or 0) > 0 or _float_hits(attrs.get("hits"))
        covered = valid = 0
        if (attrs.get("branch") or "").lower() == "true":
            match = _CONDITIONS.search(attrs.get("condition-coverage") or "")
            if match:
                covered, valid = int(match.group(1)), int(match.group(2))
        previous = self.current.get(number)
        if previous is not None:
            hits = hits or previous[0]
            covered, valid = max(covered, previous[1]), max(valid, previous[2])
        self.current[number] = (hits, covered, valid)


def _float_hits(text: str | None) -> bool:
    """Some writers print hits as ``1.0`` or in exponent form."""
    try:
        return float(text or "0") > 0
    except ValueError:
        return False
