"""Proving a flaky-test fix by re-runs on its pull request's head, before the test is called fixed.

A fix job's pull request claims to fix a flaky test when the job itself targets one (its test, its
failure cluster's tests, or the tests that failed in the run it answers, flaky or quarantined now) or
when the pull request's description names one of the project's flaky or quarantined tests. That test
must then pass ``N`` completed runs of the head commit in a row, the fix's own run included, with ``N``
from the failure rate its health row shows, taken at the lower end of its 95% interval so a rate read off
a few runs is not trusted to be as high as it looks (``hub.response.proof``), bounded by the policy's
``merge.flaky_max_runs``. The merge decision (``services/merging.py``) reads the tally as its
``flaky_fix`` fact; while the tally is short and nothing asks a person, the run of the head that ran the
test is re-run through the provider, the same request an operator makes (``operations.services.
actions.rerun``), one re-run at a time: each is the effect ``merge:proof:<job>:<sha>:<i>`` (``i``: the
runs counted when it was asked), so a replayed task or a redelivered webhook asks once. Its results
arrive like any run's, and its completion brings the decision back here.

A proven test is marked fixed (``hub.flaky.services.quarantine.mark_fixed``, by the rule
``flaky-fix-proven``), which takes it off the quarantine list; the state change reaches the issues
responder at once, which closes the test's issue. That happens once per job and head (the record
``merge:fixed:<job>:<sha>`` is written in the same transaction), after the hub merged, or when the proof
completed and only a person's merge was missing (paths, size, approvals). A failed re-run leaves the test
as it is; the decision asks a person, and its comment on the pull request says the test is still flaky.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from agent.providers import ProviderError
from agent.providers.base import UnsupportedOperation
from agent.providers.changes import PullRequestInfo
from hub.failures.models import ClusterTest, Failure
from hub.flaky.models import TestHealth, TestState
from hub.flaky.services import quarantine
from hub.integrations.clients import client_for
from hub.operations.models import ActionOutcome, ActionVia
from hub.operations.services import actions
from hub.response.merge import FlakyFix, MergeDecision, Verdict
from hub.response.models import Effect, FixJob
from hub.response.policy import store
from hub.response.proof import lower_bound, runs_to_prove
from hub.response.services import effects, fix_jobs
from hub.runs.models import Job, ResultStatus, Run, RunStatus, TestResult

PROOF, FIXED = "merge:proof:", "merge:fixed:"
RULE = "flaky-fix-proven"
ACTOR = "merge decision"
CLAIMED = (TestState.FLAKY, TestState.QUARANTINED)
FAILING = (ResultStatus.FAILED, ResultStatus.ERROR)
# Asking reasons a person's merge settles: the code itself is sound, so a proven test is fixed by it.
A_PERSONS_MERGE = frozenset({"policy", "paths", "size", "approvals"})
REFUSALS = frozenset({"ClientUnavailable", "AuthenticationError", "NotFoundError", "UnsupportedOperation"})


# -- decisions (pure) ----------------------------------------------------------------------------------


def failure_rate(runs: int, failures: int, weighted_runs: float, weighted_failures: float) -> float:
    """The failure rate a proof may rely on: the lower end of the 95% Wilson interval of the share of runs
    the test failed (``proof.lower_bound``), weighted towards recent runs when there are weights (as its
    evidence reports it); 0 for a test never run."""
    if weighted_runs > 0:
        return lower_bound(weighted_failures, weighted_runs)
    return lower_bound(min(failures, runs), runs)


def names(description: str, test: str) -> bool:
    """Whether a pull request's description names ``test`` as a whole word (not inside a longer name)."""
    return bool(test) and re.search(rf"(?<![\w.]){re.escape(test)}(?![\w])", description) is not None


def tally(results: Iterable[tuple[int, str]]) -> tuple[int, int]:
    """Runs the test passed and runs it failed, from its ``(run id, status)`` results: a run in which any
    execution failed counts as failed (a retry inside the job that passed hides nothing)."""
    per_run: dict[int, bool] = {}
    for run_id, status in results:
        if status in FAILING:
            per_run[run_id] = False
        elif status == ResultStatus.PASSED:
            per_run.setdefault(run_id, True)
    passed = sum(per_run.values())
    return passed, len(per_run) - passed


def wants_rerun(decision: MergeDecision) -> bool:
    """Whether the decision waits for the flaky fix's re-runs (and nothing asks a person)."""
    return decision.verdict is Verdict.WAIT and any(r.rule == "flaky_fix" for r in decision.reasons)


def proven_for_a_person(decision: MergeDecision) -> bool:
    """The proof is complete and only a person's merge is missing (``A_PERSONS_MERGE``)."""
    return (
        decision.verdict is Verdict.ASK
        and "flaky_fix" in decision.detail
        and "flaky_fix" in decision.passed
        and all(reason.rule in A_PERSONS_MERGE for reason in decision.reasons)
    )


# -- facts ---------------------------------------------------------------------------------------------


def claimed(job: FixJob, pr: PullRequestInfo) -> TestHealth | None:
    """The flaky or quarantined test the pull request claims to fix (module docstring), None if none."""
    candidates: list[int] = [job.test_id] if job.test_id else []
    if job.cluster_id:
        members = ClusterTest.objects.filter(cluster_id=job.cluster_id).order_by("test_id")
        candidates += members.values_list("test_id", flat=True)
    if job.run_id:
        candidates += (
            Failure.objects.filter(run_id=job.run_id).order_by("test_id").values_list("test_id", flat=True)
        )
    healths = TestHealth.objects.filter(project_id=job.project_id, state__in=CLAIMED).select_related("test")
    found = {health.test_id: health for health in healths.filter(test_id__in=candidates)}
    targeted = next((found[test_id] for test_id in candidates if test_id in found), None)
    description = str(pr.raw.get("body") or "")
    if targeted is not None or not description:
        return targeted
    return next((h for h in healths.order_by("test_id") if names(description, str(h.test))), None)


def facts(job: FixJob, pr: PullRequestInfo, sha: str) -> FlakyFix | None:
    """The ``flaky_fix`` fact: the claimed test, its failure rate, its runs of ``sha`` passed and failed."""
    health = claimed(job, pr)
    return None if health is None else _fact(health, sha)


def _fact(health: TestHealth, sha: str) -> FlakyFix:
    passed, failed = tally(_results(health.project_id, sha, health.test_id))
    rate = failure_rate(health.runs, health.failures, health.weighted_runs, health.weighted_failures)
    return FlakyFix(str(health.test), rate, passed, failed)


def _results(project_id: int, sha: str, test_id: int) -> list[tuple[int, str]]:
    runs = Run.objects.filter(project_id=project_id, commit_sha=sha, status=RunStatus.COMPLETED)
    jobs = Job.objects.filter(run__in=runs)
    return list(TestResult.objects.filter(job__in=jobs, test_id=test_id).values_list("run_id", "status"))


# -- effects -------------------------------------------------------------------------------------------


def rerun_of(job: FixJob, run: Run) -> bool:
    """Whether ``run`` is on a head whose flaky fix the hub is proving (a red one goes to the decision)."""
    return job.effects.filter(key__startswith=f"{PROOF}{job.pk}:{run.commit_sha}:").exists()


def advance(job: FixJob, pr: PullRequestInfo, decision: MergeDecision) -> str:
    """When the decision waits for the flaky fix's re-runs, ask for the next one once (``rerun``); '' when
    it did or nothing was needed, else why it cannot be (a person decides then)."""
    return rerun(job, pr, pr.head_sha, decision) if wants_rerun(decision) else ""


def rerun(job: FixJob, pr: PullRequestInfo, sha: str, decision: MergeDecision) -> str:
    """Ask for the next re-run of the head's run that ran the claimed test, once; '' when asked (or asked
    before), else why it cannot be."""
    health, proof = claimed(job, pr), decision.detail.get("flaky_fix", {})
    if health is None:
        return ""
    counted = int(proof.get("passed", 0)) + int(proof.get("failed", 0))
    target = _run_to_repeat(job.project_id, sha, health.test_id)
    if target is None:
        return f"no completed run of {sha[:12]} ran {health.test}, so there is nothing to re-run"
    key = f"{PROOF}{job.pk}:{sha}:{counted}"

    def call() -> effects.Made:
        action = actions.rerun(target, user=ACTOR, via=ActionVia.RESPONSE)
        if action.outcome != ActionOutcome.SUCCEEDED:
            status = action.provider_status or 0
            if action.error_type in REFUSALS or (400 <= status < 500 and status != 429):
                raise effects.Refused(action.message, {"action": action.pk, "provider_status": status})
            raise ProviderError(action.message)  # the re-run may or may not exist: checked next time
        detail = {"action": action.pk, "run": target.pk, "test": str(health.test)}
        return effects.Made(action.result_run_id, action.result_url, detail)

    def check() -> effects.Made | None:
        asked = Effect.objects.get(key=key).created_at
        try:
            found = client_for(job.project).find_rerun(
                target.provider_run_id, attempt=target.attempt, since=asked
            )
        except UnsupportedOperation:
            raise effects.Refused(
                "an earlier re-run request may have reached the CI, which cannot show it"
            ) from None
        return None if found is None else effects.Made(found.id, found.url, {"attempt": found.attempt})

    try:
        _, made = effects.once(job, key, "rerun", call, check)
    except effects.Refused as refused:
        return f"{health.test} could not be re-run: {refused}"
    if made:
        needed = proof.get("runs_required", "?")
        fix_jobs.note(job, f"flaky fix: re-run {counted} of {health.test} on {sha[:12]} requested "
                      f"({proof.get('passed', 0)} of {needed} green so far)", {"run": target.pk})  # fmt: skip
    return ""


def _run_to_repeat(project_id: int, sha: str, test_id: int) -> Run | None:
    """The last attempt of the newest run of ``sha`` that ran the test (GitHub re-runs that attempt)."""
    ran = {run_id for run_id, _ in _results(project_id, sha, test_id)}
    last = Run.objects.filter(pk__in=ran).order_by("-pk").first()
    if last is None:
        return None
    same = Run.objects.filter(project_id=project_id, provider_run_id=last.provider_run_id)
    return same.order_by("-attempt", "-pk").first()


def conclude(job: FixJob, pr: PullRequestInfo, sha: str) -> bool:
    """Mark the claimed test fixed, once per job and head, when its runs on ``sha`` prove the fix; its
    issue is closed by the issues responder. Whether this call marked it."""
    health = claimed(job, pr)
    if health is None:
        return False
    fix = _fact(health, sha)
    policy = store.effective(job.project)
    needed = runs_to_prove(fix.failure_rate, max_runs=policy["merge"]["flaky_max_runs"])
    if fix.failed or fix.passed < needed:
        return False
    why = f"{fix.passed} green runs of {sha[:12]} (pull request {pr.number}) prove the fix"
    detail: dict[str, Any] = {"test": health.test_id, "passed": fix.passed, "runs_required": needed}
    with transaction.atomic():
        _, recorded = effects.adopt(job, f"{FIXED}{job.pk}:{sha}", "test_fixed", effects.Made(detail=detail))
        if recorded:
            quarantine.mark_fixed(health.test, reason=why, user=None, rule=RULE)
            fix_jobs.note(job, f"flaky fix proven: {fix.test} marked fixed and unquarantined; {why}", detail)
    if recorded and (policy["issues"]["flaky"] or policy["issues"]["broken"]):
        from hub.response.responders import issues  # the issues responder closes the test's issue

        issues.answer_state_changes(job.project_id, policy["issues"])
    return recorded
