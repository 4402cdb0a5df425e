"""A pull request's failures, compared with its base branch: new, known flaky, already failing, or with
no history to compare against.

Runs after flaky detection (``response.pipeline.upload_stored``), so "known flaky" uses the fresh verdict.
The base-branch lookup is bounded per test: its latest few final results on the base branch, read
newest first through the history index on (segment, test, id), the project's segments newest first
(``hub.runs.services.segments``), with the run joined for its branch. Pull-request runs are not a
baseline, even when their branch has the base branch's name.
"""

from __future__ import annotations

from collections import defaultdict

from hub.failures.models import Classification, Failure
from hub.flaky.models import TestHealth, TestState
from hub.runs.models import ResultStatus, Run, TestResult, Upload
from hub.runs.services import segments

FLAKY_STATES = (TestState.FLAKY, TestState.SUSPECTED, TestState.QUARANTINED)
FAILED = (ResultStatus.FAILED, ResultStatus.ERROR)
OUTCOMES = (ResultStatus.PASSED, *FAILED)  # a skipped result says nothing about the base branch
BASELINE_RESULTS = 10  # latest final results read per test; the latest run among them decides


def classify_upload(upload_id: int) -> int:
    """Classify the upload's analysed failures when its run is a pull request's; returns how many."""
    upload = Upload.objects.select_related("run__project").filter(pk=upload_id).first()
    if upload is None or upload.run.pull_request is None:
        return 0
    run = upload.run
    failures = list(
        Failure.objects.filter(job_id=upload.job_id, result__upload_id=upload_id).values_list(
            "id", "test_id", "job__name"
        )
    )
    if not failures:
        return 0
    flaky = set(
        TestHealth.objects.filter(
            test_id__in={test_id for _, test_id, _ in failures}, state__in=FLAKY_STATES
        ).values_list("test_id", flat=True)
    )
    base = run.base_branch or run.project.default_branch
    by_classification: dict[str, list[int]] = defaultdict(list)
    for failure_id, test_id, job_name in failures:
        known_flaky = test_id in flaky
        verdict = Classification.FLAKY if known_flaky else baseline_verdict(run, test_id, base, job_name)
        by_classification[verdict].append(failure_id)
    for verdict, ids in by_classification.items():
        Failure.objects.filter(pk__in=ids).update(classification=verdict)
    return len(failures)


def baseline_verdict(run: Run, test_id: int, base_branch: str, job_name: str = "") -> Classification:
    """How the test fares on ``base_branch``: its results in the latest base-branch run that ran it (in
    a job of the same name when there is one, so a matrix entry compares with itself)."""
    results = TestResult.objects.filter(
        test_id=test_id,
        final=True,
        status__in=OUTCOMES,
        run__project_id=run.project_id,
        run__branch=base_branch,
        run__pull_request__isnull=True,
    ).exclude(run_id=run.pk)
    newest = segments.newest_first(results, run.project_id)
    latest = list(newest.values_list("run_id", "job__name", "status")[:BASELINE_RESULTS])
    if not latest:
        return Classification.NO_BASELINE
    same_job = [row for row in latest if row[1] == job_name]
    candidates = same_job or latest
    newest_run = candidates[0][0]
    if any(status in FAILED for run_id, _, status in candidates if run_id == newest_run):
        return Classification.ALREADY_FAILING
    return Classification.NEW
