"""xUnit.net XML: v2 (``dotnet test --logger xunit``, ``xunit.console -xml``) and v1 (``-xmlv1``, xUnit.net
1.x), each as ``<assemblies>`` or a single ``<assembly>`` root.

Each v2 ``<collection>`` or v1 ``<class>`` counts as a suite and names the cases in it; ``type`` is the
class name and the test's display name loses its class prefix. A skip reason is the text of ``<reason>``
(v2) or of its ``<message>`` (v1). A test with a ``<failure>`` child is failed whatever its ``result``
says. ``<errors>`` of an assembly (a failing class fixture or collection clean-up) have no test case of
their own; each becomes an ERROR case named after what failed, so the failure is not lost. Each
``<assembly>`` declares totals; a file's are their sum.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.model import MAX_MESSAGE_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, Status, TestCase, clip
from agent.parsers import _values as v
from agent.parsers import totals
from agent.parsers._dotnet import bounded_name, relative_name, split_full_name
from agent.parsers._xml import Node, SubtreeHandler, stream
from agent.parsers.reader import ReportReader

_RESULTS = {"pass": Status.PASSED, "fail": Status.FAILED, "skip": Status.SKIPPED, "notrun": Status.SKIPPED}
_SUITES = {"collection", "class"}  # v2, v1


class XunitReader(ReportReader):
    format = "xunit"

    def _cases(self) -> Iterator[TestCase]:
        return stream(self.path, _XunitHandler(self))


class _XunitHandler(SubtreeHandler):
    def __init__(self, reader: ReportReader) -> None:
        super().__init__(frozenset({"test", "error"}), MAX_TRACE_CHARS)
        self.reader = reader
        self.assembly: str | None = None
        self.collection: str | None = None
        self.declared: totals.Declared | None = None  # summed over the assemblies so far

    def enter(self, name: str, attrs: dict[str, str]) -> None:
        if name == "assembly":
            self.assembly = attrs.get("name")
            self.declared = totals.combine(self.declared, totals.xunit(attrs))
        elif name in _SUITES:
            self.reader.suites += 1
            self.collection = attrs.get("name")

    def leave(self, name: str) -> None:
        if name in _SUITES:
            self.collection = None

    def finish(self) -> None:
        self.reader.declared = self.declared or None

    def case_done(self, node: Node) -> None:
        if node.tag == "error":
            self.out.append(self._assembly_error(node))
            return
        full = node.get("name") or ""
        classname = node.get("type") or split_full_name(full)[0]
        status = _RESULTS.get((node.get("result") or "").lower(), Status.ERROR)
        failure = node.find("failure")
        message = trace = failure_type = None
        if failure is not None:
            message = failure.findtext("message")
            trace = failure.findtext("stack-trace")
            failure_type = failure.get("exception-type")
            if not status.is_failure:
                status = Status.FAILED
        if status is Status.SKIPPED:
            message = node.findtext("reason") or node.findtext("reason", "message")
        traits = node.find("traits")
        properties = tuple(
            (trait.get("name") or "", clip(trait.get("value") or "", MAX_OUTPUT_CHARS) or "")
            for trait in (traits.findall("trait") if traits is not None else ())
        )
        self.out.append(
            TestCase(
                name=bounded_name(relative_name(full, classname)),
                status=status,
                classname=v.name(classname),
                suite=v.name(self.collection),
                file=v.path(node.get("source-file")),
                line=v.integer(node.get("source-line")),
                duration=v.seconds(node.get("time")),
                message=clip(message, MAX_MESSAGE_CHARS) or v.first_line(trace, MAX_MESSAGE_CHARS),
                failure_type=v.name(failure_type),
                trace=trace,
                stdout=clip(node.findtext("output"), MAX_OUTPUT_CHARS),
                properties=properties[: v.MAX_PROPERTIES],
            )
        )

    def _assembly_error(self, node: Node) -> TestCase:
        failure = node.find("failure")
        kind = node.get("type") or "error"
        return TestCase(
            name=bounded_name(f"[{kind}] {node.get('name') or self.assembly or ''}".strip()),
            status=Status.ERROR,
            suite=v.name(self.assembly),
            message=clip(failure.findtext("message"), MAX_MESSAGE_CHARS) if failure is not None else None,
            failure_type=v.name(failure.get("exception-type")) if failure is not None else None,
            trace=failure.findtext("stack-trace") if failure is not None else None,
        )
