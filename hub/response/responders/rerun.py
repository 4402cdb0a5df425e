"""The re-run responder: re-run the failed jobs of a completed run whose failures are all known flaky
(or infrastructure, as the policy's ``rerun.when`` says), once per run attempt, within the policy's limits.

The request goes through the operators' re-run service (``hub.operations.services.actions.rerun``), so
it is made like an operator's and leaves the same audit row. Its effect is keyed
``rerun:<provider run id>:<attempt>``; after a crash the provider is asked whether a re-run began
(``find_rerun``: a newer attempt on GitHub, the pipeline running again or jobs created since the request
on GitLab, a newer workflow of the same name on CircleCI) before anything is requested again; on a CI
that cannot tell (a custom one) an unsettled request is never repeated: the job fails for a person.
The new attempt's outcome settles the job: passed, the failures were flaky (succeeded); failed again,
the job failed, with the tests that failed again as its evidence (their results count in their verdicts
like any other run's).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from agent.providers import ProviderError
from agent.providers.base import UnsupportedOperation
from hub.integrations.clients import client_for
from hub.operations.models import Action, ActionOutcome, ActionVia
from hub.operations.services import actions
from hub.response import decisions
from hub.response.models import Effect, FixJob, FixState, Responder
from hub.response.services import effects, facts, fix_jobs
from hub.runs.models import Conclusion, Run, RunStatus

log = logging.getLogger(__name__)

KIND = Responder.RERUN
ACTOR = "re-run responder"
# The provider's answer was a sure "no": nothing was started, and trying again changes nothing.
REFUSALS = frozenset({"ClientUnavailable", "AuthenticationError", "NotFoundError", "UnsupportedOperation"})
BUDGET_LOCK = 0x0F1  # the advisory lock class of a project's re-run budget (ingest's loads use 0x0C1)


def key(run: Run) -> str:
    return f"rerun:{run.provider_run_id}:{run.attempt}"


def consider(run: Run, policy: dict[str, Any], *, besides_upload: int | None = None) -> FixJob | None:
    if (
        run.status != RunStatus.COMPLETED
        or FixJob.objects.filter(project=run.project_id, key=key(run)).exists()
    ):
        return None
    run_facts = facts.run_facts(run, besides_upload=besides_upload)
    # The limits are counted and the job opened under one lock per project, so two runs completing at
    # once cannot both take the last re-run of the day.
    with transaction.atomic():
        lock_budget(run.project_id)
        mine = FixJob.objects.filter(project=run.project_id, responder=KIND)
        decision = decisions.rerun(
            run_facts,
            policy["rerun"],
            reruns_of_run=mine.filter(key__startswith=f"rerun:{run.provider_run_id}:").count(),
            reruns_today=mine.filter(created_at__gte=timezone.now() - timedelta(days=1)).count(),
        )
        if not decision.act:
            log.info("run %s attempt %s not re-run: %s", run.provider_run_id, run.attempt, decision.reason)
            return None
        return fix_jobs.open_job(run.project_id, KIND, key(run), decision.reason, decision.detail, run=run)


def lock_budget(project_id: int) -> None:
    """Hold the project's re-run budget until the transaction ends: an advisory lock on PostgreSQL;
    SQLite's IMMEDIATE transactions already hold the database's one write lock from their start."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [BUDGET_LOCK, project_id])


def act(job: FixJob) -> fix_jobs.Outcome:
    run = job.run
    if run is None:
        return fix_jobs.Outcome(FixState.FAILED, "the run was pruned before it could be re-run")

    def call() -> effects.Made:
        action = actions.rerun(run, failed_only=True, user=ACTOR, via=ActionVia.RESPONSE)
        if action.outcome != ActionOutcome.SUCCEEDED:
            raise _error(action)
        return effects.Made(
            action.result_run_id, action.result_url, {"action": action.pk, "said": action.message}
        )

    def check() -> effects.Made | None:
        asked = Effect.objects.get(key=key(run)).created_at  # recorded before the lost request
        try:
            info = client_for(run.project).find_rerun(run.provider_run_id, attempt=run.attempt, since=asked)
        except UnsupportedOperation:
            ci = run.project.get_provider_display()
            raise effects.Refused(
                f"an earlier request may have reached {ci}, which cannot show whether a re-run began, so "
                "it is not asked again; re-run it at the CI if it did not"
            ) from None
        if info is None:
            return None  # the CI shows no re-run: nothing was started
        return effects.Made(info.id, info.url, {"attempt": info.attempt, "status": info.status})

    try:
        effect, _ = effects.once(job, key(run), KIND, call, check)
    except effects.Refused as refusal:
        return fix_jobs.Outcome(
            FixState.FAILED, f"the provider refused the re-run: {refusal}", refusal.detail
        )
    return fix_jobs.Outcome(
        FixState.AWAITING_VERIFICATION,
        f"re-run of the failed jobs requested; waiting for attempt {run.attempt + 1} to complete",
        {"effect": effect.pk, "external_id": effect.external_id},
    )


def _error(action: Action) -> Exception:
    message = f"{action.message} ({action.hint})" if action.hint else action.message
    status = action.provider_status or 0
    if action.error_type in REFUSALS or (400 <= status < 500 and status != 429):
        return effects.Refused(message, {"action": action.pk, "provider_status": status})
    return ProviderError(message)  # a 5xx, a timeout, a rate limit: the re-run may or may not exist


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Settle the re-run job ``run`` answers once it completes: the job of the attempt before it on a CI
    that numbers attempts (GitHub), or the job whose request started ``run`` as a run of its own (a
    CircleCI re-run is a new workflow, named by the effect's id). A GitLab retry is the same pipeline
    completing again, which shows nothing new: its job waits for ``rerun.verify_within_minutes``."""
    if run.status != RunStatus.COMPLETED:
        return
    job, which = _awaiting(run)
    if job is None or facts.analysis_pending(run, besides=besides_upload):
        return
    if run.conclusion == Conclusion.SUCCESS:
        outcome = fix_jobs.Outcome(
            FixState.SUCCEEDED, f"{which} passed: the failures were flaky", {"run": run.pk}
        )
    else:
        before = set(facts.failed_test_names(job.run)) if job.run is not None else set()
        again = sorted(before & set(facts.failed_test_names(run)))
        outcome = fix_jobs.Outcome(
            FixState.FAILED,
            f"{which} ended {run.conclusion or 'without a conclusion'}"
            + (f"; {len(again)} test(s) failed again" if again else ""),
            {"run": run.pk, "failed_again": again},
        )
    fix_jobs.verify(job, outcome)


def _awaiting(run: Run) -> tuple[FixJob | None, str]:
    """The re-run job awaiting ``run``, and how the outcome names ``run``."""
    waiting = FixJob.objects.filter(
        project=run.project_id, responder=KIND, state=FixState.AWAITING_VERIFICATION
    ).select_related("run")
    if run.attempt >= 2:
        job = waiting.filter(key=f"rerun:{run.provider_run_id}:{run.attempt - 1}").first()
        if job is not None:
            return job, f"attempt {run.attempt}"
    job = waiting.filter(effects__external_id=run.provider_run_id).exclude(run=run).first()
    return job, f"the re-run {run.provider_run_id}"
