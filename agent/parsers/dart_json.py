"""Dart's JSON reporter (``dart test --reporter json``, ``flutter test --machine``): one JSON event per line.

Read line by line, so memory holds only the tests still running (tests may interleave) and the groups.
``testStart`` opens a test, ``print`` and ``error`` events add to it, ``testDone`` closes it. Synthetic
tests the runner hides (``loading foo_test.dart`` when loading worked) are dropped. A test's name includes
its groups' names; the innermost group becomes the class name and the rest the test name. ``suite`` is the
suite's path. A file that stops before the ``done`` event, with tests still open, was cut short and is a
ReportParseError after the finished tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from agent.model import MAX_MESSAGE_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, Status, TestCase, clip
from agent.parsers import _values as v
from agent.parsers._dotnet import bounded_name
from agent.parsers._errors import parse_error
from agent.parsers._values import BoundedText
from agent.parsers.reader import ReportReader

_RESULTS = {"success": Status.PASSED, "failure": Status.FAILED, "error": Status.ERROR}
MAX_LINE_BYTES = 64 * 1024 * 1024


class DartJsonReader(ReportReader):
    format = "dart-json"

    def _cases(self) -> Iterator[TestCase]:
        suites: dict[Any, str | None] = {}
        groups: dict[Any, str] = {}
        running: dict[Any, _Running] = {}
        done = False
        try:
            stream = open(self.path, "rb")  # noqa: SIM115 - closed in finally, across yields
        except OSError as exc:
            raise parse_error(self.path, f"cannot be read: {exc.strerror or exc}") from None
        try:
            number = 0
            while raw := stream.readline(MAX_LINE_BYTES + 1):
                number += 1
                event = self._event(raw, number)
                if event is None:
                    continue
                kind = event.get("type")
                if kind == "testStart":
                    test = event.get("test") or {}
                    running[test.get("id")] = _Running(test, event.get("time"), suites, groups)
                elif kind == "testDone":
                    started = running.pop(event.get("testID"), None)
                    if started is not None and not event.get("hidden"):
                        yield started.finish(event)
                elif kind == "print" or kind == "error":
                    started = running.get(event.get("testID"))
                    if started is not None:
                        started.add(event)
                elif kind == "suite":
                    suite = event.get("suite") or {}
                    suites[suite.get("id")] = suite.get("path")
                    self.suites += 1
                elif kind == "group":
                    group = event.get("group") or {}
                    groups[group.get("id")] = group.get("name") or ""
                elif kind == "done":
                    done = True
        finally:
            stream.close()
        if running or not done:
            what = f"{len(running)} test(s) never finished" if running else "there is no final 'done' event"
            raise parse_error(self.path, f"the event stream stops early ({what}); was the run killed?")

    def _event(self, raw: bytes, number: int) -> dict[str, Any] | None:
        if len(raw) > MAX_LINE_BYTES:
            raise parse_error(self.path, f"an event is longer than {MAX_LINE_BYTES} bytes", number)
        if not raw.strip():
            return None
        try:
            event = json.loads(raw)
        except ValueError as exc:
            column = getattr(exc, "colno", None)
            raise parse_error(self.path, f"is not a JSON event line: {exc}", number, column) from None
        if not isinstance(event, dict):
            raise parse_error(self.path, "is not a JSON event line: expected an object", number, 1)
        return event


class _Running:
    """A test between its ``testStart`` and ``testDone`` events."""

    def __init__(
        self, test: dict[str, Any], time: Any, suites: dict[Any, str | None], groups: dict[Any, str]
    ) -> None:
        self.test = test
        self.start = time if isinstance(time, int | float) else None
        self.suite = suites.get(test.get("suiteID"))
        group_ids = test.get("groupIDs") or []
        names = [groups.get(g) for g in group_ids if groups.get(g)]
        self.group = names[-1] if names else None
        self.errors: list[dict[str, Any]] = []
        self.output = BoundedText(MAX_OUTPUT_CHARS)

    def add(self, event: dict[str, Any]) -> None:
        if event.get("type") == "print":
            if event.get("messageType") == "skip":
                return  # "Skip: <reason>": the reason is the case's message already
            self.output.add(f"{event.get('message', '')}\n")
        elif len(self.errors) < 100:
            self.errors.append(event)

    def finish(self, done: dict[str, Any]) -> TestCase:
        test = self.test
        full = str(test.get("name") or "")
        name = full
        if self.group and full.startswith(self.group + " "):
            name = full[len(self.group) + 1 :]
        if done.get("skipped"):
            status = Status.SKIPPED
        else:
            status = _RESULTS.get(str(done.get("result")), Status.ERROR)
        end = done.get("time")
        duration = None
        if isinstance(end, int | float) and self.start is not None:
            duration = (end - self.start) / 1000
        first = self.errors[0] if self.errors else {}
        trace = "\n\n".join(str(e.get("stackTrace") or "") for e in self.errors).strip() or None
        metadata = test.get("metadata") or {}
        message = str(first["error"]) if first.get("error") is not None else None
        if status is Status.SKIPPED:
            message = metadata.get("skipReason") if isinstance(metadata.get("skipReason"), str) else None
        url = test.get("root_url") or test.get("url")
        line = test.get("root_line") if test.get("root_line") is not None else test.get("line")
        return TestCase(
            name=bounded_name(name),
            status=status,
            classname=v.name(self.group),
            suite=v.name(self.suite),
            file=v.path(self.suite or _file_from_url(url)),
            line=line if isinstance(line, int) and line >= 0 else None,
            duration=duration if duration is None or duration >= 0 else None,
            message=clip(message, MAX_MESSAGE_CHARS),
            trace=clip(trace, MAX_TRACE_CHARS) if status.is_failure else None,
            stdout=self.output.value(),
        )


def _file_from_url(url: Any) -> str | None:
    if isinstance(url, str) and url.startswith("file://"):
        return url[len("file://") :]
    return None
