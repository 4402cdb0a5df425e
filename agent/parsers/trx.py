"""Visual Studio TRX (``dotnet test --logger trx``, ``vstest.console /logger:trx``).

Results (``<UnitTestResult>``) come before the definitions that hold each test's class
(``<TestDefinitions>/<UnitTest>/<TestMethod className>``), so the file is read twice: a first pass keeps
only the test id to class map (a few short strings per test), the second streams the results. Data-driven
tests nest their rows in ``<InnerResults>``; each row is a case, the parent is not. TRX has no suites:
``suite`` is the test assembly's file name and ``suites`` counts the distinct test classes.

The outcome attribute alone decides a status: TRX has no failure element (``<ErrorInfo>`` also carries
the reason a test was not executed), and a missing or unknown outcome is an error, never a pass. The
declared totals are ``<ResultSummary><Counters>``, which count data rows one by one, as we do.
"""

from __future__ import annotations

import ntpath
import posixpath
from collections.abc import Iterator

from agent.model import MAX_MESSAGE_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, Status, TestCase, clip
from agent.parsers import _values as v
from agent.parsers import totals
from agent.parsers._dotnet import bounded_name, relative_name, split_full_name
from agent.parsers._xml import Handler, Node, SubtreeHandler, stream
from agent.parsers.reader import ReportReader

_OUTCOMES = {
    "passed": Status.PASSED,
    "passedbutrunaborted": Status.PASSED,
    "warning": Status.PASSED,
    "completed": Status.PASSED,
    "failed": Status.FAILED,
    "error": Status.ERROR,
    "timeout": Status.ERROR,
    "aborted": Status.ERROR,
    "disconnected": Status.ERROR,
    "notrunnable": Status.ERROR,
    "notexecuted": Status.SKIPPED,
    "inconclusive": Status.SKIPPED,
    "pending": Status.SKIPPED,
    "inprogress": Status.SKIPPED,
}


class TrxReader(ReportReader):
    format = "trx"

    def _cases(self) -> Iterator[TestCase]:
        definitions = _Definitions()
        for _ in stream(self.path, definitions):
            pass
        return stream(self.path, _ResultsHandler(self, definitions.tests))


class _Definitions(Handler):
    """First pass: test id -> (class name, assembly file name)."""

    def __init__(self) -> None:
        super().__init__()
        self.tests: dict[str, tuple[str | None, str | None]] = {}
        self.test_id: str | None = None
        self.storage: str | None = None

    def start(self, name: str, attrs: dict[str, str]) -> None:
        name = name.rpartition(":")[2]
        if name == "UnitTest":
            self.test_id = attrs.get("id")
            storage = attrs.get("storage")
            self.storage = ntpath.basename(posixpath.basename(storage)) if storage else None
        elif name == "TestMethod" and self.test_id:
            # MSTest writes an assembly-qualified name: "Ns.Class, Assembly, Version=1.0.0.0, ..."
            classname = (attrs.get("className") or "").split(",", 1)[0].strip() or None
            self.tests[self.test_id] = (classname, self.storage)

    def end(self, name: str) -> None:
        if name.rpartition(":")[2] == "UnitTest":
            self.test_id = None


class _ResultsHandler(SubtreeHandler):
    def __init__(self, reader: ReportReader, tests: dict[str, tuple[str | None, str | None]]) -> None:
        super().__init__(frozenset({"UnitTestResult"}), MAX_TRACE_CHARS)
        self.reader = reader
        self.tests = tests
        self.classes: set[str | None] = set()

    def enter(self, name: str, attrs: dict[str, str]) -> None:
        if name == "Counters":
            self.reader.declared = totals.trx(attrs) or None

    def case_done(self, node: Node) -> None:
        self._emit(node)

    def _emit(self, node: Node) -> None:
        inner = node.find("InnerResults")
        rows = inner.findall("UnitTestResult") if inner is not None else []
        if rows:
            for row in rows:
                self._emit(row)
            return
        classname, assembly = self.tests.get(node.get("testId") or "", (None, None))
        full = node.get("testName") or ""
        if classname is None:
            classname = split_full_name(full)[0]
        if classname not in self.classes:
            self.classes.add(classname)
            self.reader.suites += 1
        status = _OUTCOMES.get((node.get("outcome") or "").lower(), Status.ERROR)
        output = node.find("Output")
        message = trace = stdout = stderr = None
        if output is not None:
            message = output.findtext("ErrorInfo", "Message")
            trace = output.findtext("ErrorInfo", "StackTrace")
            stdout = output.findtext("StdOut")
            stderr = output.findtext("StdErr")
        self.out.append(
            TestCase(
                name=bounded_name(relative_name(full, classname)),
                status=status,
                classname=v.name(classname),
                suite=v.name(assembly),
                duration=v.seconds(node.get("duration")),
                message=clip(message, MAX_MESSAGE_CHARS) or v.first_line(trace, MAX_MESSAGE_CHARS),
                trace=trace,
                stdout=clip(stdout, MAX_OUTPUT_CHARS),
                stderr=clip(stderr, MAX_OUTPUT_CHARS),
            )
        )
