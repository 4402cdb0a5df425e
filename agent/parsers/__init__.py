"""Report parsers: test reports and coverage files in, ``agent.model`` values out.

``read_report(path)`` sniffs the format from the content and returns a ``ReportReader`` that streams
``TestCase`` values; ``read_coverage(path)`` returns a ``Coverage``. Both raise
``agent.model.ReportParseError`` for a file they cannot read, naming the file, line and the reason, so
the caller can report it and go on with the other files. Nothing after this package sees XML or JSON.
"""

from __future__ import annotations

import os

from agent.model import Coverage
from agent.parsers import cobertura, dart_json, junit, lcov, mocha_json, nunit, trx, xunit
from agent.parsers._sniff import sniff_coverage, sniff_report
from agent.parsers.reader import ReportReader

__all__ = ["COVERAGE_FORMATS", "REPORT_FORMATS", "ReportReader", "read_coverage", "read_report"]

_READERS: dict[str, type[ReportReader]] = {
    "junit": junit.JUnitReader,
    "nunit2": nunit.NUnit2Reader,
    "nunit3": nunit.NUnit3Reader,
    "xunit": xunit.XunitReader,
    "trx": trx.TrxReader,
    "mocha-json": mocha_json.MochaJsonReader,
    "dart-json": dart_json.DartJsonReader,
}
_COVERAGE = {"cobertura": cobertura.read, "lcov": lcov.read}

REPORT_FORMATS = tuple(_READERS)
COVERAGE_FORMATS = tuple(_COVERAGE)


def read_report(path: str | os.PathLike[str]) -> ReportReader:
    """A reader for the test report at ``path``; raises ReportParseError now if the file is empty,
    unreadable or not a known format (the cases themselves are read when iterated)."""
    path = os.fspath(path)
    return _READERS[sniff_report(path)](path)


def read_coverage(path: str | os.PathLike[str]) -> Coverage:
    """The coverage report at ``path`` (Cobertura XML or LCOV) reduced to line and branch counts."""
    path = os.fspath(path)
    return _COVERAGE[sniff_coverage(path)](path)
