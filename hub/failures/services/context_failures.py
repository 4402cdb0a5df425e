"""The failing tests of a run's failure context, one entry each: identity, every attempt (clipped), the
analysis (category, cluster, base-branch classification), the flaky verdict with its evidence, the active
quarantine entry and a command that runs the test again.

Read in a fixed number of queries for the tests shown, whatever their number: attempts, uploads (for the
report's format and path, the reproduce command's hints), verdicts and quarantine entries, each in one.
``services/context.py`` picks which results are shown and assembles the rest of the document.
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from agent.reproduce import TestHints, reproduce_command
from hub.failures import context_budget as budget
from hub.failures.models import Classification, Failure
from hub.flaky.models import QuarantineEntry, TestHealth
from hub.runs.models import TestResult, Upload

# What a reader should look at first: a failure this change introduced; last, a known flaky test's.
RANK = {
    Classification.NEW: 0,
    "": 1,
    Classification.NO_BASELINE: 2,
    Classification.ALREADY_FAILING: 3,
    Classification.FLAKY: 4,
}


ATTEMPT_FIELDS = ("attempt", "status", "duration", "failure_type", "message", "trace", "output")


def rank(result: TestResult) -> tuple[int, int, int]:
    """Sort key: a new failure first, a known flaky test's last; then job and report order."""
    analysis = getattr(result, "analysis", None)
    return (RANK.get(analysis.classification if analysis else "", 1), result.job_id, result.id)


def failures(results: list[TestResult], repository: str) -> list[dict[str, Any]]:
    """One entry per result, in the order given; ``repository`` (OWNER/NAME) helps make a CI runner's
    absolute test paths relative to the checkout in reproduce commands."""
    test_ids = {result.test_id for result in results}
    attempts = _attempts(results)
    hints = _report_hints({result.upload_id for result in results})
    health = {h.test_id: h for h in TestHealth.objects.filter(test_id__in=test_ids)}
    quarantined = {q.test_id: q for q in QuarantineEntry.objects.active().filter(test_id__in=test_ids)}
    return [
        _failure(
            result,
            _attempts_shown(
                attempts[(result.job_id, result.upload_id, result.test_id)],
                compact=position >= budget.FULL_DETAIL,
            ),
            hints.get(result.upload_id, ("", "")),
            health.get(result.test_id),
            quarantined.get(result.test_id),
            repository,
        )
        for position, result in enumerate(results)
    ]


def _failure(
    result: TestResult,
    attempts: dict[str, Any],
    report: tuple[str, str],
    health: TestHealth | None,
    entry: QuarantineEntry | None,
    repository: str,
) -> dict[str, Any]:
    # A reverse one-to-one with no row raises an AttributeError subclass: getattr's default applies.
    analysis: Failure | None = getattr(result, "analysis", None)
    test = result.test
    return {
        "test": {
            "id": test.pk,
            "name": test.name,
            "classname": test.classname,
            "suite": test.suite,
            "file": test.file,
        },
        "job": {"id": result.job_id, "name": result.job.name},
        "status": result.status,
        "category": analysis.category if analysis else None,
        "rule": analysis.rule if analysis else None,
        "classification": (analysis.classification or None) if analysis else None,
        "cluster": _cluster(analysis),
        **attempts,
        "flaky": _flaky(health),
        "quarantine": _quarantine(entry),
        "reproduce": reproduce_command(
            TestHints(
                name=test.name,
                classname=test.classname,
                file=test.file,
                suite=test.suite,
                report_format=report[0],
                report_path=report[1],
                repository=repository,
            )
        ),
    }


def _cluster(analysis: Failure | None) -> dict[str, Any] | None:
    cluster = analysis.cluster if analysis else None
    if cluster is None:
        return None
    return {
        "id": cluster.pk,
        "occurrences": cluster.occurrences,
        "tests": cluster.tests,
        "first_seen": when(cluster.first_seen),
        "last_seen": when(cluster.last_seen),
        "normalised": budget.clip_chars(cluster.normalised, budget.MAX_MESSAGE_CHARS),
    }


def _attempts(results: list[TestResult]) -> dict[tuple[int, int, int], list[dict[str, Any]]]:
    """Every attempt of each shown test in its job and upload, in order (at most one query).

    A final result numbered 1 is its test's only attempt in its upload (the load numbers a test's attempts
    1..n within an upload and marks the last final): it is its own list, read with no query. The others'
    earlier attempts share their upload's segment, so they are read off the (segment, test, id) index,
    the few rows of those tests, not every result of their jobs (10,000 rows for a huge run's page)."""
    found: dict[tuple[int, int, int], list[dict[str, Any]]] = defaultdict(list)
    retried = []
    for result in results:
        if result.attempt == 1:
            found[(result.job_id, result.upload_id, result.test_id)] = [
                {field: getattr(result, field) for field in ATTEMPT_FIELDS}
            ]
        else:
            retried.append(result)
    if not retried:
        return found
    wanted = {(r.job_id, r.upload_id, r.test_id) for r in retried}
    rows = (
        TestResult.objects.filter(
            segment__in={r.segment for r in retried},
            test_id__in={r.test_id for r in retried},
            job_id__in={r.job_id for r in retried},
        )
        .order_by("attempt", "id")
        .values("job_id", "upload_id", "test_id", *ATTEMPT_FIELDS)
    )
    for row in rows:
        key = (row.pop("job_id"), row.pop("upload_id"), row.pop("test_id"))
        if key in wanted:
            found[key].append(row)
    return found


def _attempts_shown(attempts: list[dict[str, Any]], *, compact: bool) -> dict[str, Any]:
    """The latest ``MAX_ATTEMPTS``, messages and traces clipped: the final attempt's trace at both ends,
    earlier ones to their first lines (they mostly repeat it); the test's output to its last lines, where
    what it printed before failing is. ``compact`` clips to the shorter limits of the tests beyond the
    first ``FULL_DETAIL``."""
    if compact:
        limits = (budget.COMPACT_MESSAGE_CHARS, budget.COMPACT_TRACE_LINES, budget.COMPACT_TRACE_CHARS)
        output = (budget.COMPACT_OUTPUT_LINES, budget.COMPACT_OUTPUT_CHARS)
    else:
        limits = (budget.MAX_MESSAGE_CHARS, budget.MAX_TRACE_LINES, budget.MAX_TRACE_CHARS)
        output = (budget.MAX_OUTPUT_LINES, budget.MAX_OUTPUT_CHARS)
    message_chars, trace_lines, trace_chars = limits
    shown = attempts[-budget.MAX_ATTEMPTS :]
    for number, attempt in enumerate(shown, start=1):
        attempt["message"] = budget.clip_chars(attempt["message"], message_chars)
        trace = attempt["trace"]
        if number < len(shown):
            trace = budget.head_lines(trace, budget.MAX_EARLIER_TRACE_LINES)
        attempt["trace"] = budget.clip_lines(trace, trace_lines, trace_chars)
        attempt["output"] = budget.clip_lines(attempt["output"], *output, head_share=0)
    return {"attempts": shown, "attempts_not_shown": len(attempts) - len(shown)}


def _report_hints(upload_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    """Per upload: its report format when all its files share one, and their common directory."""
    hints: dict[int, tuple[str, str]] = {}
    for upload_id, files in Upload.objects.filter(pk__in=set(upload_ids)).values_list("id", "files"):
        entries = [f for f in files or [] if isinstance(f, dict) and f.get("format")]
        formats = {str(f["format"]) for f in entries}
        paths = [str(f.get("path") or "").replace("\\", "/") for f in entries]
        hints[upload_id] = (formats.pop() if len(formats) == 1 else "", _common_directory(paths))
    return hints


def _common_directory(paths: list[str]) -> str:
    """The directory the report files share (the one file itself when there is one); "" when they share
    none, or mix absolute and relative paths."""
    if not paths or not all(paths):
        return ""
    try:
        return posixpath.commonpath(paths)
    except ValueError:
        return ""


def _flaky(health: TestHealth | None) -> dict[str, Any] | None:
    if health is None:
        return None
    sentences = [item.get("sentence", "") for item in health.evidence or [] if isinstance(item, dict)]
    return {
        "state": health.state,
        "since": when(health.state_since),
        "score": round(health.score, 4),
        "evidence": [s for s in sentences if s][: budget.MAX_EVIDENCE],
    }


def _quarantine(entry: QuarantineEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return {
        "reason": entry.reason,
        "owner": entry.owner,
        "automatic": entry.automatic,
        "since": when(entry.created_at),
        "expires_at": when(entry.expires_at),
    }


def when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
