"""Mocha's built-in JSON reporter (``mocha --reporter json``): one document with ``stats``, ``tests``,
``pending``, ``failures`` and ``passes``.

A test is failed when its ``err`` is not empty and skipped when it is listed in ``pending``. A failing hook
(``"before all" hook for "..."``) appears only in ``failures``; it becomes an ERROR case, since the tests
it guarded never ran. Durations are milliseconds. The JSON is one document, so it is read whole (bounded
by ``MAX_JSON_BYTES``); Mocha keeps only the last attempt of a retried test, so there are no reruns.
``stats`` declares the totals.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from agent.model import MAX_MESSAGE_CHARS, MAX_TRACE_CHARS, Status, TestCase, clip
from agent.parsers import _values as v
from agent.parsers import totals
from agent.parsers._dotnet import bounded_name
from agent.parsers._errors import parse_error
from agent.parsers._json import load_document
from agent.parsers.reader import ReportReader

_ERROR_NAME = re.compile(r"^([A-Za-z_$][\w$.]*)(?: \[[\w-]+\])?:")


class MochaJsonReader(ReportReader):
    format = "mocha-json"

    def _cases(self) -> Iterator[TestCase]:
        document = load_document(self.path)
        if not isinstance(document, dict) or not isinstance(document.get("tests"), list):
            raise parse_error(self.path, 'is not Mocha JSON output: there is no "tests" list', line=1)
        stats = document.get("stats") if isinstance(document.get("stats"), dict) else {}
        self.suites = stats.get("suites") if isinstance(stats.get("suites"), int) else 0
        self.declared = totals.mocha(stats) or None
        return self._iterate(document)

    def _iterate(self, document: dict[str, Any]) -> Iterator[TestCase]:
        pending = {_key(t) for t in _objects(document.get("pending"))}
        seen: set[tuple[str, str]] = set()
        for test in _objects(document.get("tests")):
            seen.add(_key(test))
            yield _case(test, Status.SKIPPED if _key(test) in pending else None)
        for failure in _objects(document.get("failures")):
            if _key(failure) not in seen:  # a hook, not a test
                yield _case(failure, Status.ERROR)


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _key(test: dict[str, Any]) -> tuple[str, str]:
    return (str(test.get("fullTitle") or ""), str(test.get("file") or ""))


def _case(test: dict[str, Any], status: Status | None) -> TestCase:
    title = str(test.get("title") or "")
    full = str(test.get("fullTitle") or title)
    parents = full[: -len(title)].strip() if title and full.endswith(title) else None
    err = test.get("err") if isinstance(test.get("err"), dict) else {}
    if status is None:
        status = Status.FAILED if err else Status.PASSED
    trace = str(err["stack"]) if err.get("stack") else None
    message = str(err["message"]) if err.get("message") is not None else None
    failure_type = err.get("name") if isinstance(err.get("name"), str) else None
    if failure_type is None and trace:
        match = _ERROR_NAME.match(trace)
        failure_type = match.group(1) if match else None
    duration = test.get("duration")
    return TestCase(
        name=bounded_name(title or full),
        status=status,
        classname=v.name(parents),
        file=v.path(str(test["file"])) if test.get("file") else None,
        duration=duration / 1000 if isinstance(duration, int | float) and duration >= 0 else None,
        message=clip(message, MAX_MESSAGE_CHARS) if status.is_failure else None,
        failure_type=v.name(failure_type) if status.is_failure else None,
        trace=clip(trace, MAX_TRACE_CHARS) if status.is_failure else None,
    )
