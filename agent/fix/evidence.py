"""Evidence to findings: the hub's failure context (``--run``), a job's log (``--log``), JUnit files.

Every source is reduced to ``Finding`` values the fixers read. Categories come from the failure analysis
(the hub's, or ``agent.diagnosis`` run here on the same rules), so the fixer and the hub agree on what kind
of failure it is. Text is redacted before a fixer or a report sees it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from agent.fix.model import Finding
from agent.redact import redact

FLAKY_STATES = frozenset({"suspected", "flaky", "quarantined"})
LOG_TAIL_LINES = 200
_NUMBERED = re.compile(r"^\d+: ", re.M)  # the context's log excerpt numbers lines "12: text"


def from_context(context: Mapping[str, Any]) -> list[Finding]:
    """The findings of a run's failure context (``GET /api/v1/runs/{id}/context``): its failing tests,
    then its failed jobs' logs."""
    findings = []
    for failure in _dicts(context.get("failures")):
        test = failure.get("test") if isinstance(failure.get("test"), dict) else {}
        attempts = _dicts(failure.get("attempts"))
        last = attempts[-1] if attempts else {}
        text = "\n".join(str(last.get(key) or "") for key in ("message", "trace", "output")).strip()
        category = failure.get("category") or _categorise_test(last)
        flaky = failure.get("flaky") if isinstance(failure.get("flaky"), dict) else None
        findings.append(
            Finding(
                source="run",
                category=str(category),
                text=redact(text),
                subject=str(test.get("name") or "a failing test"),
                flaky=failure.get("classification") == "flaky"
                or (flaky is not None and flaky.get("state") in FLAKY_STATES),
                command=_command(failure.get("reproduce")),
            )
        )
    for job in _dicts(context.get("jobs")):
        excerpt = _log_text(str(job.get("log_excerpt") or ""))
        if not excerpt.strip():
            continue
        category = job.get("category") or _categorise_log(excerpt)
        findings.append(Finding("run", str(category), redact(excerpt), f"job {job.get('name') or '?'}"))
    return findings


def from_log(log: str, name: str) -> Finding:
    """One finding for a job's log. Its text is the lines ``agent.diagnosis`` says explain the failure and
    the log's last lines (a tool's report often sits just above the line that failed the step); its
    category is the rules' verdict on those lines, else on the log's tail, as the hub decides it."""
    from agent.diagnosis import diagnose

    result = diagnose(log, categorise=_rule_of_log)
    spans = [text for _, text in result.excerpt()]
    tail = list(result.lines[-LOG_TAIL_LINES:])
    text = "\n".join([line for line in spans if line not in tail] + tail)
    category = result.category if result.category != "unknown" else _categorise_log(log)
    return Finding("log", category, redact(text), name)


def from_junit(paths: Sequence[str]) -> tuple[list[Finding], list[str]]:
    """Findings for the failing cases of JUnit (or other known) reports, and the files that could not be
    read, as messages."""
    from agent.model import ReportParseError
    from agent.parsers import read_report

    findings, problems = [], []
    for path in paths:
        try:
            cases = list(read_report(path))
        except (ReportParseError, OSError) as exc:
            problems.append(f"{path}: {exc}")
            continue
        for case in cases:
            if not case.status.is_failure:
                continue
            text = "\n".join(part for part in (case.message, case.trace, case.stderr) if part)
            category = _categorise_test(
                {"message": case.message, "failure_type": case.failure_type, "trace": case.trace}
            )
            name = f"{case.classname}.{case.name}" if case.classname else case.name
            findings.append(Finding("junit", category, redact(text), name))
    return findings, problems


def _log_text(excerpt: str) -> str:
    """The hub's numbered excerpt of a job's raw log, read as ``from_log`` reads a log: without the
    numbers, timestamps and colours, so a tool's output matches the fixers' patterns line by line."""
    from agent.diagnosis.lines import clean_line

    return "\n".join(clean_line(line).text for line in _NUMBERED.sub("", excerpt).splitlines())


def _command(value: Any) -> str | None:
    """The reproduce command when it is one a POSIX shell would split (the hub quotes it so); else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        shlex.split(value)
    except ValueError:
        return None
    return value


def _categorise_test(attempt: Mapping[str, Any]) -> str:
    from agent.diagnosis.categories import categorise

    return categorise(attempt.get("message"), attempt.get("failure_type"), attempt.get("trace")).category


def _categorise_log(text: str) -> str:
    from agent.diagnosis.categories import categorise_log

    return categorise_log(text).category


def _rule_of_log(excerpt: str) -> tuple[str, str]:
    from agent.diagnosis.categories import categorise_log

    match = categorise_log(excerpt)
    return match.category, match.rule


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, Iterable) else []
