"""Transform: report cases (the document's objects) into result rows, counting final outcomes on the way.

Every attempt is a row: a case's earlier ``reruns`` first, then its final outcome; a test reported more
than once in one upload is one test with several attempts, numbered in arrival order after the load.
Memory does not grow with the report: which tests were already seen is one bit per test id.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import groupby

from agent.model import MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, clip
from hub.runs.services import load

_FAILURES = frozenset(("failed", "error"))
_COUNT_FIELD = ("passed", "failed", "errors", "skipped")
_COUNT_OF = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}


class RowLoader:
    """Turns cases into result rows and keeps the upload's counts on the way; the rare test reported
    twice is left for ``merge_repeated_tests`` once its rows are written."""

    def __init__(self, run_id: int, job_id: int, upload_id: int) -> None:
        self.ids = (run_id, job_id, upload_id)
        self.counts: dict[str, float] = dict.fromkeys(
            ("results", "tests", *_COUNT_FIELD, "flaky", "duration"), 0
        )
        self.seen = bytearray()
        self.repeated: set[int] = set()

    def rows(self, keyed: list[tuple[bytes, dict]], ids: dict[bytes, int]) -> Iterator[tuple]:
        run_id, job_id, upload_id = self.ids
        counts, seen = self.counts, self.seen
        duration = 0.0
        results = 0
        for key, case in keyed:
            test_id = ids[key]
            byte, bit = test_id >> 3, 1 << (test_id & 7)
            if byte >= len(seen):
                seen.extend(bytes(byte - len(seen) + 4096))
            if seen[byte] & bit:
                self.repeated.add(test_id)
            seen[byte] |= bit
            attempt = 0
            failed_before = False
            for rerun in case.get("reruns") or ():
                attempt += 1
                status = rerun["status"]
                failed_before = failed_before or status in _FAILURES
                yield _row(run_id, job_id, upload_id, test_id, attempt, False, status, rerun, None)
                duration += rerun.get("duration") or 0.0
            status = case["status"]
            output = _output(case) if status in _FAILURES else None
            yield _row(run_id, job_id, upload_id, test_id, attempt + 1, True, status, case, output)
            results += attempt + 1
            duration += case.get("duration") or 0.0
            counts[_COUNT_OF[status]] += 1
            counts["tests"] += 1
            if failed_before and status == "passed":
                counts["flaky"] += 1
        counts["results"] += results
        counts["duration"] += duration


def _row(run_id, job_id, upload_id, test_id, attempt, final, status, source, output) -> tuple:
    get = source.get
    message, failure_type, trace = get("message"), get("type"), get("trace")
    return (
        run_id,
        job_id,
        upload_id,
        test_id,
        attempt,
        final,
        status,
        get("duration"),
        clip(message, MAX_MESSAGE_CHARS) if message else "",  # a passing case has none: skip the call
        clip(failure_type, MAX_NAME_CHARS) if failure_type else "",
        clip(trace, MAX_TRACE_CHARS) if trace else "",
        output or "",
    )


def _output(case: dict) -> str | None:
    parts = [text for text in (case.get("stdout"), case.get("stderr")) if text]
    return clip("\n".join(parts), MAX_OUTPUT_CHARS) if parts else None


def merge_repeated_tests(upload_id: int, test_ids: set[int], counts: dict) -> None:
    """A test reported more than once in one upload is one test with several attempts: renumber its
    rows in arrival order, keep only the last final, and replace what each report of it counted by the
    single outcome it has."""
    rows = load.results_of(upload_id, sorted(test_ids))  # (id, test_id, status, final), by test then id
    updates: list[tuple[int, bool, int]] = []
    for _, group in groupby(rows, key=lambda row: row[1]):
        group = list(group)
        failed_in_case = failed_overall = False
        for index, (result_id, _, status, final) in enumerate(group):
            if final:  # the end of one report of the test: take back what it counted
                counts[_COUNT_OF[status]] -= 1
                counts["tests"] -= 1
                counts["flaky"] -= int(status == "passed" and failed_in_case)
                failed_in_case = False
            else:
                failed_in_case = failed_in_case or status in _FAILURES
            last = index == len(group) - 1
            if last:
                counts[_COUNT_OF[status]] += 1
                counts["tests"] += 1
                counts["flaky"] += int(status == "passed" and failed_overall)
            failed_overall = failed_overall or status in _FAILURES
            updates.append((index + 1, last, result_id))
    load.renumber_attempts(updates)


def batches(cases: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for case in cases:
        batch.append(case)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
