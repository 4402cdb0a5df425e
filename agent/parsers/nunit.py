"""NUnit 2 (``<test-results>``) and NUnit 3 (``<test-run>``, or a bare ``<test-suite>`` root as several
runners and converters write it) XML.

Both nest ``<test-suite>`` elements (assembly, namespace, fixture, parameterised method) around
``<test-case>`` elements. The suite of a case is its innermost fixture; the class name comes from NUnit 3's
``classname`` attribute or, for NUnit 2, from the case's full name. Outcomes: NUnit 3 marks errors as
``result="Failed" label="Error"`` (also ``Cancelled``, ``Invalid``); ``Ignored``, ``Skipped``,
``Inconclusive`` and not-executed cases are skipped; NUnit 3 ``Warning`` is a pass with a message. A case
with a ``<failure>`` child is failed whatever its attributes say or omit (NUnit writes one only for a
failure, and some writers leave ``result``/``success`` out). The root element declares the totals.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.model import MAX_MESSAGE_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, Status, TestCase, clip
from agent.parsers import _values as v
from agent.parsers import totals
from agent.parsers._dotnet import bounded_name, relative_name, split_full_name
from agent.parsers._xml import Node, SubtreeHandler, stream
from agent.parsers.reader import ReportReader

_NUNIT2_RESULTS = {
    "success": Status.PASSED,
    "failure": Status.FAILED,
    "error": Status.ERROR,
    "notrunnable": Status.ERROR,  # an invalid test (bad signature, bad parameters)
    "cancelled": Status.ERROR,
    "ignored": Status.SKIPPED,
    "skipped": Status.SKIPPED,
    "inconclusive": Status.SKIPPED,
}
_NUNIT3_RESULTS = {
    "passed": Status.PASSED,
    "warning": Status.PASSED,
    "failed": Status.FAILED,
    "skipped": Status.SKIPPED,
    "inconclusive": Status.SKIPPED,
}
_NUNIT3_ERROR_LABELS = {"error", "cancelled", "invalid"}
_FIXTURE_TYPES = {"testfixture", "genericfixture", "setupfixture"}
_PROPERTIES_TO_SKIP = {"_SKIPREASON", "_JOINTYPE", "_PID", "_APPDOMAIN"}


class NUnit2Reader(ReportReader):
    format = "nunit2"

    def _cases(self) -> Iterator[TestCase]:
        return stream(self.path, _NUnitHandler(self, nunit3=False))


class NUnit3Reader(ReportReader):
    format = "nunit3"

    def _cases(self) -> Iterator[TestCase]:
        return stream(self.path, _NUnitHandler(self, nunit3=True))


class _NUnitHandler(SubtreeHandler):
    def __init__(self, reader: ReportReader, *, nunit3: bool) -> None:
        super().__init__(frozenset({"test-case"}), MAX_TRACE_CHARS)
        self.reader = reader
        self.nunit3 = nunit3
        self.suites: list[tuple[str, str | None]] = []  # (type, name) of the open test-suite elements
        self.root_seen = False

    def enter(self, name: str, attrs: dict[str, str]) -> None:
        if not self.root_seen:
            self.root_seen = True
            self.reader.declared = (totals.nunit3 if self.nunit3 else totals.nunit2)(attrs) or None
        if name == "test-suite":
            self.reader.suites += 1
            self.suites.append(((attrs.get("type") or "").lower(), attrs.get("name")))

    def leave(self, name: str) -> None:
        if name == "test-suite" and self.suites:
            self.suites.pop()

    def _fixture(self) -> str | None:
        for kind, name in reversed(self.suites):
            if kind in _FIXTURE_TYPES:
                return name
        return self.suites[-1][1] if self.suites else None

    def case_done(self, node: Node) -> None:
        full = node.get("fullname") or node.get("name") or ""
        if self.nunit3:
            classname = node.get("classname") or split_full_name(full)[0]
            name = node.get("name") or relative_name(full, classname)
            status = self._nunit3_status(node)
            duration = v.seconds(node.get("duration"))
            stdout = clip(node.findtext("output"), MAX_OUTPUT_CHARS)
        else:
            classname, name = split_full_name(full)
            status = self._nunit2_status(node)
            duration = v.seconds(node.get("time"))
            stdout = None
        failure = node.find("failure")
        message = None
        trace = None
        if failure is not None:
            if not status.is_failure:
                status = Status.FAILED
            message = failure.findtext("message")
            trace = failure.findtext("stack-trace")
        if message is None:
            message = node.findtext("reason", "message")
        message = clip(message, MAX_MESSAGE_CHARS)
        self.out.append(
            TestCase(
                name=bounded_name(name),
                status=status,
                classname=v.name(classname),
                suite=v.name(self._fixture()),
                duration=duration,
                message=message,
                trace=trace if status.is_failure else None,
                stdout=stdout,
                properties=_properties(node),
            )
        )

    @staticmethod
    def _nunit2_status(node: Node) -> Status:
        result = (node.get("result") or "").lower()
        if result in _NUNIT2_RESULTS:
            return _NUNIT2_RESULTS[result]
        if (node.get("executed") or "").lower() == "false":
            return Status.SKIPPED
        success = (node.get("success") or "").lower()
        return Status.FAILED if success == "false" else Status.PASSED

    @staticmethod
    def _nunit3_status(node: Node) -> Status:
        result = (node.get("result") or "").lower()
        status = _NUNIT3_RESULTS.get(result, Status.ERROR if result else Status.SKIPPED)
        if status is Status.FAILED and (node.get("label") or "").lower() in _NUNIT3_ERROR_LABELS:
            return Status.ERROR
        return status


def _properties(node: Node) -> tuple[tuple[str, str], ...]:
    found: list[tuple[str, str]] = []
    props = node.find("properties")
    for prop in props.findall("property") if props is not None else ():
        key = prop.get("name") or ""
        if key not in _PROPERTIES_TO_SKIP:
            found.append((key, clip(prop.get("value") or "", MAX_OUTPUT_CHARS) or ""))
    categories = node.find("categories")
    for category in categories.findall("category") if categories is not None else ():
        found.append(("Category", category.get("name") or ""))
    return tuple(found[: v.MAX_PROPERTIES])
