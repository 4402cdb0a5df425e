"""Stand-in results: what the hub read from a run's report artifacts itself, until the run's own report.

When nobody reported a failed run, the monitor downloads its report artifacts and loads them through
``ingest`` like any upload, marked with the source ``artifacts`` (``hub.operations.services.artifacts``).
The agent's report of the same run is the better account (it read the CI's context, named the job, saw the
files before any retention rule), so when one arrives the stand-in's results are withdrawn in the same
transaction: its rows (and their analysed failures) deleted, its counts taken back from its job and run,
its upload record removed. A run then holds one account of each test, whichever came first. The reverse
is simpler: the monitor does not read the artifacts of a run that already has an upload.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from hub.runs.models import Job, Run, TestResult, Upload

STAND_IN = "artifacts"  # Upload.source of results the hub read from a run's artifacts
_COUNT_OF = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}
_FAILURES = frozenset(("failed", "error"))


def counts_of(rows: Iterable[tuple[int, bool, str, float | None]]) -> dict[str, float]:
    """The counts one upload added to its job and run (``transform.RowLoader``'s), from its rows as
    (test id, final, status, duration) in the order they were written: a final outcome counts once, a
    final pass after a failed attempt of the same test is flaky, every attempt's duration adds up."""
    counts: dict[str, float] = dict.fromkeys(("tests", *_COUNT_OF.values(), "flaky", "duration"), 0)
    failed_before: set[int] = set()
    for test_id, final, status, duration in rows:
        counts["duration"] += duration or 0
        if not final:
            if status in _FAILURES:
                failed_before.add(test_id)
            continue
        counts["tests"] += 1
        counts[_COUNT_OF[status]] += 1
        if status == "passed" and test_id in failed_before:
            counts["flaky"] += 1
        failed_before.discard(test_id)
    return counts


def withdraw_stand_ins(run: Run) -> int:
    """Remove the stand-in results of ``run`` (inside the caller's transaction, under the project's lock);
    returns how many result rows went."""
    removed = 0
    uploads = list(Upload.objects.filter(run=run, source=STAND_IN).values_list("pk", "job_id"))
    for upload_id, job_id in uploads:
        results = TestResult.objects.filter(job_id=job_id, upload_id=upload_id)
        counts = counts_of(results.order_by("id").values_list("test_id", "final", "status", "duration"))
        removed += results.delete()[1].get(TestResult._meta.label, 0)
        decrements = {name: F(name) - value for name, value in counts.items() if value}
        if decrements:
            Job.objects.filter(pk=job_id).update(**decrements)
            Run.objects.filter(pk=run.pk).update(**decrements)
    Upload.objects.filter(pk__in=[pk for pk, _ in uploads]).delete()
    return removed
