"""What one upload asks of detection: which tests to judge, and which only to count.

Judging a test reads its history (``WINDOW`` rows) and runs every rule over it; most of an upload's tests
cannot change state, and for them a few figures kept up to date are enough. A watched test's clean pass
far from clearing it lengthens its clean streak; a flaky or quarantined test's failure on the default
branch that cannot make it broken is more of the evidence it already has: its figures move as a verdict
would move them (``figures.write_known_failures``), its score and evidence wait for its next verdict
or the nightly recompute. At a steady 2% flake over a 2,000-test suite, where every test is flaky,
judging those failures again was over half of an analysis (262 ms an upload, 126 ms counting them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from hub.flaky.detection import DEFAULT_RULES, Rules, is_infrastructure
from hub.flaky.models import TestHealth, TestState
from hub.flaky.services import one_pass
from hub.flaky.services.history import FAILED, RESULTS, WATCHED, failed_before_here
from hub.runs.models import Upload

# An upload's outcomes, each with its test's health when the test is watched (one statement: read apart,
# the project's watched tests, nearly the whole suite, cost as much again).
_PLAN_SQL = f"""
SELECT r.test_id, r.id, r.final, r.status, r.duration,
       h.state, h.clean_streak, h.clean_runs_needed, h.failure_streak
FROM {RESULTS} r LEFT JOIN {TestHealth._meta.db_table} h
    ON h.test_id = r.test_id AND h.state IN (%s, %s, %s, %s)
WHERE r.job_id = %s AND r.upload_id = %s
"""
_PLAN_SQL_UNWATCHED = (
    f"SELECT test_id, id, final, status, duration, NULL, 0, 0, 0 FROM {RESULTS} "
    "WHERE job_id = %s AND upload_id = %s"
)
_STAYS_ON_A_FAILURE = (TestState.FLAKY, TestState.QUARANTINED)


@dataclass
class KnownFailure:
    """A watched test's attempts in the upload, as the figures count them (``signals.executions``)."""

    test_id: int
    newest_result_id: int = 0
    final_result_id: int = 0
    final_status: str = ""
    passed: bool = False  # an attempt passed: with the failure, a flake on retry
    failed_seconds: float = 0.0
    at: datetime | None = None  # when its run happened

    @property
    def final_failed(self) -> bool:
        return self.final_status in FAILED


@dataclass(frozen=True)
class UploadPlan:
    """The tests to judge; the watched tests whose clean pass on the default branch cannot change their
    state yet, so only their clean streak moves (by one); and the flaky or quarantined tests whose
    failure there cannot either, so only their figures move."""

    judge: list[int]
    passed_clean: list[int]
    known_failures: list[KnownFailure] = field(default_factory=list)


def plan_for_upload(upload: Upload, rules: Rules = DEFAULT_RULES) -> UploadPlan:
    """Judge the upload's tests that failed (any attempt), unless its job is an infrastructure failure
    (then its watched tests, ``WATCHED``, for their figures) or the failure cannot move them
    (``failure_may_change_state``); its watched tests whose pass here may change their state
    (``pass_may_change_state``); and its tests whose earlier failures a pass here may turn into evidence
    (``failed_before_here``). Other tests that passed cannot change state, so they wait for the nightly
    recompute to refresh their figures; a watched test's streaks are kept up to date on the way, so the
    upload that may move it is judged.

    A pass or a failure counts only on the default branch outside a pull request (detection's clean runs
    and failure streaks), in a job that is not an infrastructure failure: elsewhere a pass can matter
    only through ``failed_before_here``, and a failure is judged."""
    job, run = upload.job, upload.run
    infrastructure = is_infrastructure(job.tests, job.failed, job.errors, rules)
    counts = infrastructure or (run.branch == upload.project.default_branch and not run.pull_request)
    failed: set[int] = set()
    present: set[int] = set()
    watched: dict[int, tuple[str, int, int, int]] = {}
    with connection.cursor() as cursor:
        if counts:
            cursor.execute(_PLAN_SQL, [*(state.value for state in WATCHED), job.pk, upload.pk])
        else:
            cursor.execute(_PLAN_SQL_UNWATCHED, [job.pk, upload.pk])
        rows = cursor.fetchall()
    for test_id, _, _, status, _, state, clean, needed, failing in rows:
        present.add(test_id)
        if status in FAILED:
            failed.add(test_id)
        if state is not None:
            watched[test_id] = (state, clean, needed, failing)
    attempts: dict[int, KnownFailure] = {}
    for test_id, result_id, final, status, duration, *_ in rows:
        if test_id in failed and test_id in watched:
            _count_attempt(attempts, test_id, result_id, final, status, duration)
    judge: set[int] = set() if infrastructure else set(failed)
    passed_clean: list[int] = []
    known: list[KnownFailure] = []
    pending_passes = one_pass.pending_clean_passes()  # counted in this backlog pass
    for test_id, (state, clean_streak, needed, failure_streak) in watched.items():
        pending = pending_passes.get(test_id, 0)
        if test_id in judge:
            failure = attempts[test_id]
            streak = 0 if pending else failure_streak
            if counts and not failure_may_change_state(state, streak, failure.final_failed, rules):
                failure.at = run.created_at
                known.append(failure)
            continue
        if infrastructure or pass_may_change_state(state, clean_streak + pending, needed):
            judge.add(test_id)  # an outage is rare: its watched tests' figures are refreshed at once
        else:
            passed_clean.append(test_id)
    judge.update(failed_before_here(upload, rules, present))
    judge.difference_update(failure.test_id for failure in known)
    return UploadPlan(sorted(judge), sorted(set(passed_clean) - judge), sorted(known, key=_test_id))


def judged_in_upload(upload: Upload, rules: Rules = DEFAULT_RULES) -> list[int]:
    """The tests ``plan_for_upload`` judges."""
    return plan_for_upload(upload, rules).judge


def pass_may_change_state(state: str, clean_streak: int, clean_runs_needed: int) -> bool:
    """Whether one more clean default-branch run may move a watched test, judged by its last verdict.

    A broken test that passes is fixed; a suspected test's pass right after a failure makes that failure
    isolated, and a second isolated failure makes it flaky; otherwise a pass only lengthens the clean
    streak, which clears a suspected or flaky (or quarantined) test once it reaches the clean runs needed.
    Those only grow as passes lower the failure rate, and detection's own count never exceeds the stored
    streak, so a test short of them stays where it is. A flaky or quarantined test's isolated failure is
    more of the evidence it already has: it stays where it is too (at a steady 2% flake rate, judging
    each such test again on the pass after its failure was half of an upload's verdicts)."""
    if state == TestState.BROKEN or (clean_streak == 0 and state == TestState.SUSPECTED):
        return True
    return clean_streak + 1 >= clean_runs_needed


def failure_may_change_state(state: str, failure_streak: int, final_failed: bool, rules: Rules) -> bool:
    """Whether a watched test's failure in a default-branch run may move it, judged by its last verdict.

    The rules move a flaky test on a failure only to broken, and only once its final attempts have failed
    ``broken_min_streak`` runs in a row (``signals.broken_streak``); a failure also resets the clean
    streak, so it cannot clear the test. A quarantined test keeps its state whatever the rules say, but
    its rules' state is reported, so it is held to the same bound. Every other state is judged."""
    if state not in _STAYS_ON_A_FAILURE:
        return True
    return final_failed and failure_streak + 1 >= rules.broken_min_streak


def _count_attempt(
    attempts: dict[int, KnownFailure], test_id: int, result_id: int, final: bool, status: str, duration
) -> None:
    """Fold one result row into its test's attempts in the upload, as ``signals.executions`` would."""
    failure = attempts.get(test_id)
    if failure is None:
        failure = attempts[test_id] = KnownFailure(test_id)
    failure.newest_result_id = max(failure.newest_result_id, result_id)
    if status in FAILED:
        failure.failed_seconds += duration or 0.0
    elif status == "passed":
        failure.passed = True
    if final and result_id > failure.final_result_id:
        failure.final_result_id, failure.final_status = result_id, status


def _test_id(failure: KnownFailure) -> int:
    return failure.test_id
