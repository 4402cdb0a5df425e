"""Acting on the merge decision for a fix job's pull request, once its head commit's run has completed.

Every pull request the loop opened comes here the same way: the fixer's ``verify`` (its fix branch's run)
and the coding agent's (``services/agent_pulls.py``, the run of its pull request, for a failure's
hand-off or an operator's task) hand a fix job here (a task, outside any transaction, so each effect's row
is committed before its call) when the policy's ``merge.enabled`` is on and the job's pull request is
linked. What differs per responder (which effect links the pull request, which branch it must bring) is
its ``fix_rounds.Rounds``.
The facts come from the provider and the hub: the pull request's head now, the hub's runs on that head
and the tests failing there that did not fail on the base branch's last run, the ``orchestrate/validate``
commit status, the changed files and lines, the approvals (GitHub's reviews, when the policy asks for
some), and for a fix of a flaky test its runs on the head (``services/flaky_proof.py``, which also asks
for the re-runs that prove it while the decision waits for them and marks the test fixed once proven).
``hub.response.merge.decide`` answers; the answer and its reasons go on the job's timeline. **merge**:
the provider merges with the decided head SHA (a head pushed since is refused: recorded as wait, never
retried on a guessed SHA), the branch is deleted, one comment says why; **ask**: one comment asks a
person, with the reasons, and the job settles by its run; **wait**: nothing more but a flaky fix's next
re-run (the next run on the head decides again). The merge and the comment are
``effects.once`` effects keyed by job and head, so a replayed task merges and comments once; the job's
``claimed_until`` holds it for one decision at a time.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from agent.providers import Provider, ProviderError, UnsupportedOperation
from agent.providers.changes import MERGED, OPEN, PullRequestInfo
from agent.providers.merges import HEAD_CHANGED, MergeRefused
from agent.validate.config import DEFAULT_CONTEXT
from hub.integrations.clients import ClientUnavailable, client_for
from hub.response.merge import Check, MergeDecision, MergeRules, PullRequestFacts, Validation, Verdict, decide
from hub.response.models import FixJob, FixState
from hub.response.policy import store
from hub.response.services import deployments, effects, facts, fix_jobs, fix_rounds, flaky_proof
from hub.runs.models import Conclusion, Run, RunStatus

log = logging.getLogger(__name__)

MERGE, COMMENT = "merge:merge:", "merge:comment:"
METHOD = "merge"  # GitHub's merge commit: the fix's commits stay as the fix workflow wrote them
VALIDATION = {"success": Validation.PASSED, "failure": Validation.FAILED, "error": Validation.FAILED,
              "pending": Validation.PENDING}  # fmt: skip


def wanted(job: FixJob) -> bool:
    """Whether the merge decision settles ``job``: merging is on and its pull request is linked."""
    return bool(store.effective(job.project)["merge"]["enabled"]) and fix_rounds.pull_request(job) is not None


def hand_off(job: FixJob, run: Run) -> None:
    """Decide after commit, in a task (effects are recorded before their calls only outside a transaction)."""
    from django.db import transaction
    from django_q.tasks import async_task

    job_id, run_id = job.pk, run.pk
    transaction.on_commit(
        lambda: async_task("hub.response.tasks.decide_merge", job_id, run_id, task_name=f"merge-{job_id}")
    )


def settle(job_id: int, run_id: int) -> str:
    """Decide and act for fix job ``job_id`` on its fix branch's completed run ``run_id``; the job's state."""
    job = FixJob.objects.select_related("project").filter(pk=job_id).first()
    run = Run.objects.filter(pk=run_id).first()
    if job is None or run is None or job.state != FixState.AWAITING_VERIFICATION:
        return job.state if job is not None else "missing"
    if not fix_jobs.hold(job):
        return job.state  # another worker decides on it now
    try:
        return _settle(job, run)
    finally:
        fix_jobs.release(job)


def _settle(job: FixJob, run: Run) -> str:
    rules = MergeRules.from_policy(store.effective(job.project)["merge"])
    pull, its = fix_rounds.pull_request(job), fix_rounds.spec(job)
    if pull is None or its is None:
        return job.state  # nothing linked to decide on
    number, expected = pull.external_id, its.branch(job, pull)
    try:
        client = client_for(job.project)
        pr = client.get_pull_request(number)
        if pr.state == MERGED and job.effects.filter(key=f"{MERGE}{job.pk}:{pr.head_sha}").exists():
            return _merge(job, run, pr, client, pr.head_sha)  # an earlier attempt merged: finish it
        refusal = _refusal(pr, client, expected)
        if refusal:
            fix_jobs.note(job, f"merge decision: ask: {refusal}", {"pull_request": number})
            return _settle_by_run(job, run, refusal)
        decision = decide(_facts(job, run, pr, client, rules), rules)
        record(job, decision, number)
        if decision.verdict is Verdict.WAIT:
            refusal = flaky_proof.advance(job, pr, decision)  # a flaky fix's next re-run, if it waits for one
            if not refusal:
                return job.state
            _comment(job, pr, client, pr.head_sha, f"Orchestrate did not merge this fix: {refusal}.")
            return _settle_by_run(job, run, refusal)
        if decision.verdict is Verdict.MERGE:
            return _merge(job, run, pr, client, decision.head_sha, decision.passed)
        if flaky_proof.proven_for_a_person(decision):
            flaky_proof.conclude(job, pr, pr.head_sha)  # proven: a person merges, the test is fixed
        _comment(job, pr, client, decision.head_sha or pr.head_sha, _asking(decision))
        return _settle_by_run(job, run, "; ".join(reason.message for reason in decision.reasons))
    except (UnsupportedOperation, ClientUnavailable) as exc:  # CircleCI, custom, no token: a person merges
        fix_jobs.note(job, f"merge decision: ask: {exc}", {"pull_request": number})
        return _settle_by_run(job, run, f"{exc}; a person merges")
    except ProviderError as exc:
        log.warning("fix job %s: the merge decision could not reach the provider: %s", job.pk, exc)
        fix_jobs.note(job, f"merge decision not made: the provider answered {exc}; decided again on the "
                      "next run of the pull request's head", {"pull_request": number})  # fmt: skip
        return job.state


def _refusal(pr: PullRequestInfo, client: Provider, expected: str) -> str:
    """Why this pull request is never merged by the hub, whatever the rules say ('' when it may be);
    ``expected`` is the branch it must bring ('' any of the repository's own)."""
    if pr.from_fork:
        return "the pull request's head lives in a fork; the hub merges only its own fix branches"
    if pr.state != OPEN:
        return f"the pull request is {pr.state}"
    if expected and pr.head != expected:
        return f"the pull request brings {pr.head}, not the fix branch {expected}"
    if pr.head == client.repository().default_branch:
        return "the pull request brings the default branch"
    return ""


def _facts(
    job: FixJob, run: Run, pr: PullRequestInfo, client: Provider, rules: MergeRules
) -> PullRequestFacts:
    files = client.pull_request_files(pr.number)
    return PullRequestFacts(
        head_sha=pr.head_sha,
        checked_sha=run.commit_sha,
        checks=_checks(job, run.commit_sha),
        new_failures=_new_failures(job, run, pr.base),
        validation=_validation(client, run.commit_sha) if rules.require_validate else Validation.MISSING,
        flaky_fix=flaky_proof.facts(job, pr, run.commit_sha),
        approvals=client.pull_request_approvals(pr.number) if rules.approvals else 0,
        touched_paths=[changed.path for changed in files],
        lines_changed=sum(changed.additions + changed.deletions for changed in files),
    )


def _checks(job: FixJob, sha: str) -> list[Check]:
    """The hub's runs on ``sha``, the last attempt of each."""
    latest: dict[str, Run] = {}
    for found in Run.objects.filter(project=job.project_id, commit_sha=sha).order_by("attempt", "pk"):
        latest[found.provider_run_id] = found
    return [
        Check(found.workflow or found.provider_run_id, sha, found.status, found.conclusion or None)
        for found in latest.values()
    ]


def _new_failures(job: FixJob, run: Run, base: str) -> list[str]:
    """Tests failing on the head that did not fail in the base branch's last completed run."""
    before = (
        Run.objects.filter(project=job.project_id, branch=base, status=RunStatus.COMPLETED)
        .exclude(pk=run.pk)
        .order_by("-finished_at", "-pk")
        .first()
    )
    failing_before = set(facts.failed_test_names(before)) if before is not None else set()
    return [name for name in facts.failed_test_names(run) if name not in failing_before]


def _validation(client: Provider, sha: str) -> Validation:
    try:
        statuses = client.commit_statuses(sha)
    except UnsupportedOperation:
        return Validation.MISSING
    found = next((status for status in statuses if status.context == DEFAULT_CONTEXT), None)
    return Validation.MISSING if found is None else VALIDATION.get(found.state, Validation.MISSING)


def _merge(
    job: FixJob, run: Run, pr: PullRequestInfo, client: Provider, sha: str, passed: Sequence[str] = ()
) -> str:
    """Merge at ``sha`` once, then comment once and settle the job (``passed``: the rules that held)."""

    def call() -> effects.Made:
        try:
            result = client.merge_pull_request(int(pr.number), sha=sha, method=METHOD, delete_branch=True)
        except MergeRefused as refused:
            raise effects.Refused(str(refused), {"refused": refused.reason}) from None
        detail = {"head_sha": sha, "branch": result.branch, "passed": list(passed), "pending": result.pending}
        return effects.Made(result.sha, pr.url, detail)

    def check() -> effects.Made | None:
        now = client.get_pull_request(pr.number)
        if now.state == MERGED:
            return effects.Made("", pr.url, {"head_sha": sha})
        if now.state == OPEN and now.head_sha == sha and now.auto_merge:
            return effects.Made("", pr.url, {"head_sha": sha, "pending": True})
        return None

    try:
        effect, _ = effects.once(job, f"{MERGE}{job.pk}:{sha}", "merge", call, check)
    except effects.Refused as refused:
        if refused.detail.get("refused") == HEAD_CHANGED:
            fix_jobs.note(job, f"merge decision: wait: the head moved after {sha[:12]} was decided on; "
                          "deciding again when its run completes", {"refused": str(refused)})  # fmt: skip
            return job.state
        message = f"the provider refused the merge: {refused}"
        _comment(job, pr, client, sha, f"Orchestrate did not merge this fix: {message}. A person decides.")
        return _settle_by_run(job, run, message)
    held = ", ".join(effect.detail.get("passed") or passed) or "the merge rules"
    gone = effect.detail.get("branch", "as the provider left it")
    if effect.detail.get("pending"):
        body = f"Orchestrate set this fix to merge at {sha[:12]} when its pipeline succeeds: {held} held."
        reason = f"auto-merge set on merge request {pr.number} at {sha[:12]}: merged when its pipeline passes"
    else:
        body = f"Orchestrate merged this fix at {sha[:12]}: {held} held."
        reason = f"merged pull request {pr.number} at {sha[:12]}; its branch: {gone}"
    _comment(job, pr, client, sha, body)
    detail = {"run": run.pk, "merge": effect.pk, "merge_sha": effect.external_id}
    fix_jobs.verify(job, fix_jobs.Outcome(FixState.SUCCEEDED, reason, detail))
    flaky_proof.conclude(job, pr, sha)  # a flaky fix proven on this head: its test is fixed now
    if deployments.wanted(store.effective(job.project)) and effect.external_id:
        deployments.start(job, client, effect.external_id, pr.base)  # after the merge (deploy policy)
    return job.state


def record(job: FixJob, decision: MergeDecision, number: str) -> None:
    """The decision and every reason on the job's timeline (the dashboard's fix job page reads them)."""
    fix_jobs.note(job, f"merge decision: {decision.summary()}", _detail(decision, number))


def _asking(decision: MergeDecision) -> str:
    lines = "\n".join(f"- {reason.message}" for reason in decision.reasons)
    return f"Orchestrate did not merge this fix; a person decides:\n\n{lines}"


def _comment(job: FixJob, pr: PullRequestInfo, client: Provider, sha: str, body: str) -> None:
    """One comment per fix job and head, recorded before it is posted; found again by its marker."""
    marker = f"<!-- orchestrate:merge-decision:{job.pk}:{sha} -->"

    def call() -> effects.Made:
        comment = client.create_comment(int(pr.number), f"{body}\n\n{marker}")
        return effects.Made(comment.id, comment.url)

    def check() -> effects.Made | None:
        found = next((c for c in client.list_comments(int(pr.number)) if marker in c.body), None)
        return effects.Made(found.id, found.url) if found is not None else None

    effects.once(job, f"{COMMENT}{job.pk}:{sha}", "comment", call, check)


def _settle_by_run(job: FixJob, run: Run, why: str) -> str:
    """Not merged: the job succeeds when its run passed (a person merges), fails when it did not."""
    passed = run.conclusion == Conclusion.SUCCESS
    ended = "passed" if passed else f"ended {run.conclusion or 'without a conclusion'}"
    state = FixState.SUCCEEDED if passed else FixState.FAILED
    reason = f"the fix's run on {run.branch} {ended}; not merged: {why}"
    fix_jobs.verify(job, fix_jobs.Outcome(state, reason, {"run": run.pk}))
    return job.state


def _detail(decision: MergeDecision, number: str) -> dict[str, Any]:
    return {
        "pull_request": number,
        "verdict": decision.verdict.value,
        "head_sha": decision.head_sha,
        "passed": list(decision.passed),
        "reasons": [
            {"rule": r.rule, "verdict": r.verdict.value, "message": r.message} for r in decision.reasons
        ],
        **decision.detail,
    }
