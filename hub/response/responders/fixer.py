"""The fixer responder: for a completed run whose failures are all of categories the policy's
``route.fixer`` lists, dispatch the repository's fix workflow, which runs ``orchestrate fix --push``
and opens a pull request from the branch ``orchestrate/fix-<fix job id>``.

The dispatch goes through the project's provider client (``trigger``: GitHub ``workflow_dispatch``, a
GitLab pipeline with variables, CircleCI pipeline parameters) with the inputs ``run`` (the hub's run id),
``fix_job`` and ``hub_url``, plus the policy's ``fixer.inputs``, once (effect ``fixer:dispatch:<job>``).
After a crash, the provider is asked before anything is sent again: a pull request from the job's
branch, or on GitHub a run titled for the job (the shipped workflow's ``run-name``), shows it went;
elsewhere an unsettled dispatch is never repeated. A run from a fork's pull request gets nothing: the
fix workflow holds the repository's secrets (``decisions.fork_refusal``).

The job then awaits verification: its pull request is linked by webhook or poll
(``services/fixer_links.py``), and the fix branch's own run settles it: passed, succeeded (through the
merge decision when the policy's ``merge.enabled`` is on, ``services/merging.py``); red, the fixer gets
another round on the fix branch up to ``fixer.max_rounds``, then a person is asked
(``services/fix_rounds.py``); a red re-run asked to prove a flaky fix goes to the merge decision instead,
which asks a person (``services/flaky_proof.py``).
The fix workflow's run ending red before any pull request means no fix was published: failed.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from agent.fix.publish import branch_for, fix_job_of
from agent.providers import AuthenticationError, NotFoundError, Provider, ProviderError, UnsupportedOperation
from hub.integrations.clients import ClientUnavailable, client_for, provider_name
from hub.response import decisions
from hub.response.models import Effect, EffectState, FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.services import effects, facts, fix_jobs
from hub.runs.models import Conclusion, Run, RunStatus

log = logging.getLogger(__name__)

KIND = Responder.FIXER
DISPATCH, PULL_REQUEST = "fixer:dispatch:", "fixer:pull_request:"
# The provider answered no for sure: nothing was started, and trying again changes nothing.
REFUSALS = (ClientUnavailable, AuthenticationError, NotFoundError, UnsupportedOperation)
# Where a dispatched run shows which fix job it is for (its title, from the shipped workflow's run-name).
TITLED_RUNS = frozenset({"github"})


def key(run: Run) -> str:
    return f"fixer:{run.provider_run_id}:{run.attempt}"


def branch(job: FixJob) -> str:
    return branch_for(str(job.pk), "")


def consider(run: Run, policy: dict[str, Any], *, besides_upload: int | None = None) -> FixJob | None:
    route = policy["route"]["fixer"]
    if (
        not route
        or run.status != RunStatus.COMPLETED
        or FixJob.objects.filter(project=run.project_id, key=key(run)).exists()
        or _dispatched_run(run) is not None  # the fix workflow's own run is not fixed
    ):
        return None
    decision = decisions.fixer(
        facts.run_facts(run, besides_upload=besides_upload),
        route,
        policy["fixer"],
        branch=run.branch,
        fixes_today=FixJob.objects.filter(
            project=run.project_id, responder=KIND, created_at__gte=timezone.now() - timedelta(days=1)
        ).count(),
    )
    if not decision.act:
        log.info(
            "run %s attempt %s not sent to the fixer: %s", run.provider_run_id, run.attempt, decision.reason
        )
        return None
    return fix_jobs.open_job(run.project_id, KIND, key(run), decision.reason, decision.detail, run=run)


def act(job: FixJob) -> fix_jobs.Outcome:
    run = job.run
    if run is None:
        return fix_jobs.Outcome(FixState.FAILED, "the run was pruned before the fix workflow was dispatched")
    policy = store.effective(job.project)
    if not policy["route"]["fixer"]:
        return fix_jobs.Outcome(
            FixState.FAILED, "the policy no longer routes failures to the fixer (route.fixer)"
        )
    rules = policy["fixer"]
    try:
        client = client_for(job.project)
        refusal = decisions.fork_refusal(_origin(run, client))
        if refusal is not None:
            return fix_jobs.Outcome(FixState.FAILED, f"refused: {refusal}",
                                    {"event": run.event, "pull_request": run.pull_request})  # fmt: skip
        ref = rules["ref"] or run.branch or client.repository().default_branch
    except REFUSALS as exc:
        return fix_jobs.Outcome(FixState.FAILED, f"the provider refused: {exc}")
    inputs = {**rules["inputs"], "run": str(run.pk), "fix_job": str(job.pk), "hub_url": settings.SITE_URL}
    workflow = rules["workflow"]

    def call() -> effects.Made:
        return trigger(client, workflow, ref, inputs, {"workflow": workflow, "ref": ref})

    try:
        effect, _ = effects.once(
            job, f"{DISPATCH}{job.pk}", KIND, call, lambda: _check(job, client, workflow, ref)
        )
    except effects.Refused as refusal_:
        return fix_jobs.Outcome(
            FixState.FAILED, f"the provider refused the dispatch: {refusal_}", refusal_.detail
        )
    return fix_jobs.Outcome(
        FixState.AWAITING_VERIFICATION,
        f"fix workflow {workflow} dispatched on {ref}; waiting for its pull request from {branch(job)}",
        {"effect": effect.pk, "external_id": effect.external_id, "inputs": inputs},
    )


def trigger(
    client: Provider, workflow: str, ref: str, inputs: dict[str, str], detail: dict[str, Any]
) -> effects.Made:
    """Dispatch the fix workflow on ``ref``: the run it started (when the provider names it), with
    ``detail`` and what the provider said. ``effects.Refused`` when the provider surely started nothing."""
    try:
        triggered = client.trigger(workflow=workflow, ref=ref, inputs=inputs)
    except ProviderError as exc:
        if isinstance(exc, REFUSALS) or (exc.status and 400 <= exc.status < 500 and exc.status != 429):
            raise effects.Refused(str(exc), {"provider_status": exc.status}) from None
        raise  # a 5xx, a timeout, a rate limit: the dispatch may or may not have happened
    run_id = triggered.run.id if triggered.run is not None else ""
    return effects.Made(run_id, triggered.url, {**detail, "said": triggered.message})


def _origin(run: Run, client: Provider) -> decisions.Origin:
    """Whether the run's code came from a fork, as the provider shows its pull request."""
    from_fork: bool | None = None if run.event in decisions.PULL_REQUEST_EVENTS else False
    if run.pull_request is not None:
        try:
            from_fork = client.get_pull_request(str(run.pull_request)).from_fork
        except UnsupportedOperation:
            from_fork = None  # CircleCI cannot show a pull request's source
    return decisions.Origin(run.event, run.pull_request, from_fork)


def _check(job: FixJob, client: Provider, workflow: str, ref: str) -> effects.Made | None:
    """Whether an earlier attempt's dispatch went: its pull request, or (GitHub) a run titled for the job."""
    try:
        found = next(iter(client.find_pull_requests(branch(job))), None)
    except UnsupportedOperation:
        found = None
    if found is not None:
        return effects.Made("", found.url, {"adopted": "pull request", "pull_request": found.number})
    if provider_name(job.project) not in TITLED_RUNS:
        raise effects.Refused(
            f"an earlier dispatch may have reached {job.project.get_provider_display()}, whose runs do not "
            "show which fix job they are for, so it is not sent again; start the fix workflow at the CI "
            "if it did not run"
        )
    title = re.compile(rf"\bfix job #{job.pk}\b")
    for found_run in client.list_runs(workflow=workflow, branch=ref, limit=20):
        if title.search(str(found_run.raw.get("display_title") or "")):
            return effects.Made(found_run.id, found_run.url, {"adopted": "run"})
    return None  # no run of the workflow is titled for this job: nothing was started


def _dispatched_run(run: Run) -> Effect | None:
    """The dispatch effect whose workflow run ``run`` is, if it is one."""
    return (
        Effect.objects.filter(
            kind=KIND, key__startswith=DISPATCH, state=EffectState.DONE,
            fix_job__project_id=run.project_id, external_id=run.provider_run_id,
        )
        .select_related("fix_job")
        .first()
    )  # fmt: skip


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Settle a fix job by its fix branch's run; fail it when its workflow's run ended red."""
    if run.status != RunStatus.COMPLETED:
        return
    from hub.response.services import fix_rounds  # it builds on this module

    dispatch = _dispatched_run(run)
    job_id = fix_job_of(run.branch)
    if dispatch is None and job_id is not None and job_id.isdigit():
        job = _awaiting(run.project_id, int(job_id))
        if job is None or facts.analysis_pending(run, besides=besides_upload):
            return
        fix_rounds.after_run(job, run)  # red: the next round (fixer.max_rounds); green: merging or done
        return
    if dispatch is None or run.conclusion == Conclusion.SUCCESS:
        return
    job = _awaiting(run.project_id, dispatch.fix_job_id)
    if job is None:
        return
    if not job.effects.filter(key__startswith=PULL_REQUEST).exists():
        ended = run.conclusion or "without a conclusion"
        reason = f"the fix workflow's run {run.provider_run_id} ended {ended} without a pull request"
        fix_jobs.verify(job, fix_jobs.Outcome(FixState.FAILED, reason, {"run": run.pk}))
    elif not facts.analysis_pending(run, besides=besides_upload):
        fix_rounds.hand_off(job, run)  # a later round's fix workflow ended red: that round failed


def _awaiting(project_id: int, job_id: int) -> FixJob | None:
    return FixJob.objects.filter(
        project=project_id, pk=job_id, responder=KIND, state=FixState.AWAITING_VERIFICATION
    ).first()
