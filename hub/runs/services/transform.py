"""Transform: report cases (the document's objects) into result rows, counting final outcomes on the way.

Every attempt is a row: a case's earlier ``reruns`` first, then its final outcome; a test reported more
than once in one upload is one test with several attempts, numbered in arrival order after the load.
Memory does not grow with the report: which tests were already seen is one bit per test id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from itertools import groupby
from typing import TypeVar

from agent.model import MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, clip
from hub.runs.services import load
from hub.runs.services.cases import Case

T = TypeVar("T")
_FAILURES = frozenset(("failed", "error"))
_COUNT_FIELD = ("passed", "failed", "errors", "skipped")
_COUNT_OF = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}


class RowLoader:
    """Turns cases into result rows and keeps the upload's counts on the way; the rare test reported
    twice is left for ``merge_repeated_tests`` once its rows are written.

    Two threads may build rows for different batches (``ingest``): ``rows`` takes a lock, so the counts
    and the record of tests seen stay whole (they do not depend on the order of batches)."""

    def __init__(self, run_id: int, job_id: int, upload_id: int, segment: int) -> None:
        self.ids = (run_id, job_id, upload_id, segment)
        self.counts: dict[str, float] = dict.fromkeys(
            ("results", "tests", *_COUNT_FIELD, "flaky", "duration"), 0
        )
        self.seen = bytearray()
        self.repeated: set[int] = set()
        self._lock = threading.Lock()

    def rows(self, cases: list[Case], test_ids: list[int]) -> list[tuple]:
        """The rows of ``cases``, whose tests are ``test_ids`` (same order)."""
        with self._lock:
            return list(self._rows(cases, test_ids))

    def _rows(self, cases: list[Case], test_ids: list[int]) -> Iterator[tuple]:
        upload = self.ids
        run_id, job_id, upload_id, segment = upload
        counts, seen = self.counts, self.seen
        duration = 0.0
        results = 0
        tally = dict.fromkeys(_COUNT_OF, 0)
        flaky = 0
        for case, test_id in zip(cases, test_ids, strict=True):
            byte, bit = test_id >> 3, 1 << (test_id & 7)
            if byte >= len(seen):
                seen.extend(bytes(byte - len(seen) + 4096))
            if seen[byte] & bit:
                self.repeated.add(test_id)
            seen[byte] |= bit
            status = case.status
            tally[status] += 1
            if case.duration:
                duration += case.duration
            if not case.reruns:
                results += 1
                if status in _FAILURES:
                    yield _row_with_text(upload, test_id, 1, True, case, _output(case))
                elif case.message or case.type or case.trace:  # a skip's reason
                    yield _row_with_text(upload, test_id, 1, True, case, "")
                else:
                    yield (
                        run_id,
                        job_id,
                        upload_id,
                        segment,
                        test_id,
                        1,
                        True,
                        status,
                        case.duration,
                        "",
                        "",
                        "",
                        "",
                    )
                continue
            attempt = 0
            failed_before = False
            for rerun in case.reruns:
                attempt += 1
                failed_before = failed_before or rerun.status in _FAILURES
                yield _row_with_text(upload, test_id, attempt, False, rerun, "")
                if rerun.duration:
                    duration += rerun.duration
            output = _output(case) if status in _FAILURES else ""
            yield _row_with_text(upload, test_id, attempt + 1, True, case, output)
            results += attempt + 1
            if failed_before and status == "passed":
                flaky += 1
        for status, number in tally.items():
            counts[_COUNT_OF[status]] += number
            counts["tests"] += number
        counts["flaky"] += flaky
        counts["results"] += results
        counts["duration"] += duration


def _row_with_text(upload: tuple, test_id, attempt, final, source, output) -> tuple:
    """A row with whatever text ``source`` (a case or one of its reruns) carries, clipped to the model's
    bounds: the report may carry up to the schema's limits, which are larger. ``upload`` holds the
    columns every row of one load shares: run, job, upload and segment."""
    message, failure_type, trace = source.message, source.type, source.trace
    return (
        *upload,
        test_id,
        attempt,
        final,
        source.status,
        source.duration,
        clip(message, MAX_MESSAGE_CHARS) if message else "",
        clip(failure_type, MAX_NAME_CHARS) if failure_type else "",
        clip(trace, MAX_TRACE_CHARS) if trace else "",
        output,
    )


def _output(case: Case) -> str:
    parts = [text for text in (case.stdout, case.stderr) if text]
    return clip("\n".join(parts), MAX_OUTPUT_CHARS) if parts else ""


def merge_repeated_tests(upload_id: int, job_id: int, test_ids: set[int], counts: dict) -> None:
    """A test reported more than once in one upload is one test with several attempts: renumber its
    rows in arrival order, keep only the last final, and replace what each report of it counted by the
    single outcome it has."""
    rows = load.results_of(upload_id, job_id, sorted(test_ids))  # (id, test_id, status, final)
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


def batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
