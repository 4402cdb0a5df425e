"""JUnit XML in its many dialects, streamed with expat.

One module because the dialects differ only in details: a ``<testsuites>`` or bare ``<testsuite>`` root,
nested suites (PHPUnit, Cypress), missing ``classname`` (the enclosing suite's name stands in), ``file``
and ``line`` on the case or only on the suite, ``status`` attributes (CTest, Bazel), ``<skipped>`` or
``<disabled>``, and Surefire/Gradle retries:

* ``<flakyFailure>``/``<flakyError>`` on a case without a failure: earlier failed attempts, the case
  finally passed. Each becomes a ``Rerun`` in document order.
* ``<rerunFailure>``/``<rerunError>`` after a ``<failure>``/``<error>``: the ``<failure>`` describes the
  first run and each rerun element a later one (Surefire's order). The attempts are kept in that order:
  the first run and all but the last rerun become ``Rerun`` values, the last rerun is the final outcome.

A case with several ``<failure>``/``<error>`` children (some Jest and CUnit reports) takes its status,
message and type from the first; the traces of the others are appended to its trace. A failure or error
child always wins over ``<skipped>`` and over a ``status`` attribute: such a case is never a pass.

The declared totals are the root ``<testsuites>`` element's counts, or else the sum over the outermost
``<testsuite>`` elements (nested suites repeat their children's counts).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

from agent.model import (
    MAX_MESSAGE_CHARS,
    MAX_NAME_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_TRACE_CHARS,
    Rerun,
    Status,
    TestCase,
    clip,
)
from agent.parsers import _values as v
from agent.parsers import totals
from agent.parsers._build import simple_case
from agent.parsers._xml import Handler, stream
from agent.parsers.reader import ReportReader

_PASSED, _FAILED, _ERROR, _SKIPPED = Status.PASSED, Status.FAILED, Status.ERROR, Status.SKIPPED
_OUTCOMES = {"failure": _FAILED, "error": _ERROR, "skipped": _SKIPPED, "disabled": _SKIPPED}
_ATTEMPTS = {
    "flakyFailure": _FAILED,
    "flakyError": _ERROR,
    "rerunFailure": _FAILED,
    "rerunError": _ERROR,
}
# CTest and Bazel say it in an attribute: <testcase status="disabled"/> with no child element.
_STATUS_ATTRIBUTE = {"disabled": _SKIPPED, "notrun": _SKIPPED, "skipped": _SKIPPED, "ignored": _SKIPPED}
_UNNAMED = "(unnamed)"
_INF = math.inf


class JUnitReader(ReportReader):
    format = "junit"

    def _cases(self) -> Iterator[TestCase]:
        return stream(self.path, _JUnitHandler(self))


class _Details:
    """What a case element holds beyond its attributes; only made for cases that have child elements,
    so the common passing case costs nothing extra."""

    __slots__ = (
        "attempt",
        "attempt_trace",
        "attempts",
        "message",
        "properties",
        "reran",
        "status",
        "stderr",
        "stdout",
        "trace",
        "type",
    )

    def __init__(self) -> None:
        self.status: Status = _PASSED
        self.message: str | None = None
        self.type: str | None = None
        self.trace: str | None = None
        self.stdout: str | None = None
        self.stderr: str | None = None
        self.properties: list[tuple[str, str]] = []
        self.attempts: list[Rerun] = []
        self.attempt: dict[str, str] | None = None  # the open flaky*/rerun* element's attributes
        self.attempt_trace: str | None = None
        self.reran = False  # saw rerunFailure/rerunError: the <failure> was the first run


class _JUnitHandler(Handler):
    def __init__(self, reader: JUnitReader) -> None:
        super().__init__()
        self.reader = reader
        self.suite_name: str | None = None
        self.suite_file: str | None = None
        self.suite_stack: list[tuple[str | None, str | None]] = []
        self.details: _Details | None = None
        self.root: totals.Declared | None = None  # the counts of a <testsuites> root
        self.outermost: totals.Declared | None = None  # the counts of the outermost suites, summed

    def callbacks(self) -> tuple[Callable[[str, dict[str, str]], None], Callable[[str], None]]:
        """The expat callbacks, as closures: a passing ``<testcase .../>`` is most of a report and this
        is its whole path, so it keeps its state in local variables and builds the case with
        ``simple_case``. Cases with child elements take the slower, plainer methods below."""
        case: dict[str, str] | None = None
        plain = True  # the open case has had no child element yet
        suite: str | None = None
        suite_file: str | None = None
        append = self.out.append
        start_in_case = self._start_in_case
        end_in_case = self._end_in_case
        finish_case = self._finish_case
        start_suite = self._start_suite
        end_suite = self._end_suite
        start_suites = self._start_suites
        lenient_seconds = v.seconds
        status_attribute = _STATUS_ATTRIBUTE.get
        max_path = v.MAX_PATH_CHARS
        build = simple_case

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal case, plain, suite, suite_file
            if name == "testcase":
                case = attrs
                plain = True
            elif case is None:
                if name == "testsuite":
                    suite, suite_file = start_suite(attrs)
                elif name == "testsuites":
                    start_suites(attrs)
            else:
                plain = False
                start_in_case(name, attrs)

        def end(name: str) -> None:
            nonlocal case, suite, suite_file
            if name != "testcase":
                if case is None:
                    if name == "testsuite":
                        suite, suite_file = end_suite()
                elif not plain:
                    end_in_case(name)
                return
            attrs, case = case, None
            if attrs is None:
                return
            if not plain:
                append(finish_case(attrs))
                return
            get = attrs.get
            name = get("name") or _UNNAMED
            if len(name) > MAX_NAME_CHARS:
                name = clip(name, MAX_NAME_CHARS) or _UNNAMED
            classname = get("classname") or get("class") or suite
            if classname is not None and len(classname) > MAX_NAME_CHARS:
                classname = clip(classname, MAX_NAME_CHARS)
            file = get("file") or get("filepath") or suite_file
            if file is not None and len(file) > max_path:
                file = clip(file, max_path)
            line = get("line")
            if line is not None:
                try:
                    line = int(line)
                except ValueError:
                    line = None
                else:
                    if line < 0:
                        line = None
            time = get("time")
            if time is not None:
                try:
                    time = float(time)
                except ValueError:
                    time = lenient_seconds(time)
                else:
                    if not 0.0 <= time < _INF:
                        time = None
            status = get("status")
            status = _PASSED if status is None else status_attribute(status, _PASSED)
            append(build(name, status, classname, suite, file, line, time))

        return start, end

    def _start_suite(self, attrs: dict[str, str]) -> tuple[str | None, str | None]:
        """Enter a suite: nested suites (PHPUnit) name their cases after the innermost suite, and inherit
        the ``file`` of an enclosing one when they have none."""
        self.reader.suites += 1
        if not self.suite_stack:
            self.outermost = totals.combine(self.outermost, totals.junit(attrs))
        self.suite_stack.append((self.suite_name, self.suite_file))
        self.suite_name = v.name(attrs.get("name")) or self.suite_name
        self.suite_file = v.path(attrs.get("file") or attrs.get("filepath")) or self.suite_file
        return self.suite_name, self.suite_file

    def _start_suites(self, attrs: dict[str, str]) -> None:
        if self.root is None and not self.suite_stack:
            self.root = totals.junit(attrs)

    def finish(self) -> None:
        self.reader.declared = self.root or self.outermost or None

    def _end_suite(self) -> tuple[str | None, str | None]:
        if self.suite_stack:
            self.suite_name, self.suite_file = self.suite_stack.pop()
        return self.suite_name, self.suite_file

    # -- inside a <testcase> ---------------------------------------------------------------------------

    def _start_in_case(self, name: str, attrs: dict[str, str]) -> None:
        details = self.details
        if details is None:
            details = self.details = _Details()
        if details.attempt is not None:
            if name == "stackTrace":
                self.release()
                self.capture(MAX_TRACE_CHARS)
            elif name in ("system-out", "system-err"):
                self.release()  # an attempt's own output: the model keeps output for the final run only
            return
        status = _OUTCOMES.get(name)
        if status is not None:
            self._start_outcome(details, status, attrs)
        elif name in _ATTEMPTS:
            self.release()
            details.attempt = attrs
            details.attempt_trace = None
            self.capture(MAX_TRACE_CHARS)  # some writers put the trace straight in the element
        elif name == "system-out" or name == "system-err":
            self.release()
            self.capture(MAX_OUTPUT_CHARS)
        elif name == "property" and len(details.properties) < v.MAX_PROPERTIES:
            details.properties.append(
                (attrs.get("name") or "", clip(attrs.get("value") or "", MAX_OUTPUT_CHARS) or "")
            )

    def _start_outcome(self, details: _Details, status: Status, attrs: dict[str, str]) -> None:
        self.release()
        if status is _SKIPPED:
            if details.status is _PASSED:
                details.status = _SKIPPED
                details.message = clip(attrs.get("message") or None, MAX_MESSAGE_CHARS)
            self.capture(MAX_MESSAGE_CHARS)
            return
        if not details.status.is_failure:
            details.status = status
            details.message = clip(attrs.get("message") or None, MAX_MESSAGE_CHARS)
            details.type = v.name(attrs.get("type"))
        self.capture(MAX_TRACE_CHARS)

    def _end_in_case(self, name: str) -> None:
        details = self.details
        if details is None:
            return
        if details.attempt is not None:
            if name == "stackTrace":
                details.attempt_trace = _tidy(self.release())
            elif name in _ATTEMPTS:
                self._end_attempt(name, details)
            return
        if name in _OUTCOMES:
            text = _tidy(self.release())
            if text is None:
                return
            if _OUTCOMES[name] is _SKIPPED:
                if details.status is _SKIPPED and details.message is None:
                    details.message = text.strip() or None
            elif details.trace is None:
                details.trace = text
            else:
                details.trace = clip(details.trace + "\n\n" + text, MAX_TRACE_CHARS)
        elif name == "system-out":
            details.stdout = _tidy(self.release())
        elif name == "system-err":
            details.stderr = _tidy(self.release())

    def _end_attempt(self, name: str, details: _Details) -> None:
        direct = self.release()
        attrs = details.attempt or {}
        trace = details.attempt_trace or _tidy(direct)
        message = clip(attrs.get("message") or None, MAX_MESSAGE_CHARS) or v.first_line(
            trace, MAX_MESSAGE_CHARS
        )
        if len(details.attempts) < v.MAX_RERUNS:
            details.attempts.append(
                Rerun(
                    status=_ATTEMPTS[name],
                    duration=v.seconds(attrs.get("time")),
                    message=message,
                    failure_type=v.name(attrs.get("type")),
                    trace=trace,
                )
            )
        details.reran = details.reran or name.startswith("rerun")
        details.attempt = None
        details.attempt_trace = None

    # -- building the TestCase -------------------------------------------------------------------------

    def _finish_case(self, attrs: dict[str, str]) -> TestCase:
        get = attrs.get
        name = get("name") or _UNNAMED
        if len(name) > MAX_NAME_CHARS:
            name = clip(name, MAX_NAME_CHARS) or _UNNAMED
        classname = get("classname") or get("class") or self.suite_name
        if classname is not None and len(classname) > MAX_NAME_CHARS:
            classname = clip(classname, MAX_NAME_CHARS)
        file = get("file") or get("filepath") or self.suite_file
        if file is not None and len(file) > v.MAX_PATH_CHARS:
            file = clip(file, v.MAX_PATH_CHARS)
        line = get("line")
        if line is not None:
            line = v.integer(line)
        time = get("time")
        if time is not None:
            time = v.seconds(time)
        details = self.details or _Details()
        self.details = None
        self.release()
        status = details.status
        if status is _PASSED:
            attribute = get("status")
            if attribute:
                status = _STATUS_ATTRIBUTE.get(attribute, _PASSED)
        message = details.message
        if message is None and status.is_failure:
            message = v.first_line(details.trace, MAX_MESSAGE_CHARS)
        failure_type, trace = details.type, details.trace
        reruns = details.attempts
        if details.reran and reruns:
            # Surefire order: <failure> is the first run, the rerun elements follow; the last is final.
            # Without the <failure>, the last rerun is still final: a case that failed is never a pass.
            last = reruns[-1]
            reruns = reruns[:-1]
            if status.is_failure:
                reruns = [Rerun(status, None, message, failure_type, trace), *reruns]
            status, message, failure_type, trace = last.status, last.message, last.failure_type, last.trace
        return TestCase(
            name,
            status,
            classname,
            self.suite_name,
            file,
            line,
            time,
            message,
            failure_type,
            trace,
            details.stdout,
            details.stderr,
            tuple(details.properties),
            tuple(reruns),
        )


def _tidy(text: str | None) -> str | None:
    """Drop the blank lines CDATA-wrapping writers put around a body, keeping the first line's indent;
    None for whitespace only."""
    if text is None or not text.strip():
        return None
    return text.strip("\r\n")
