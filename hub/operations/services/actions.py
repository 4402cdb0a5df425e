"""Operators' requests to a CI: trigger a workflow, re-run a run (all, failed jobs, one job), cancel it.

Admin and the API both come here, so each request is made the same way (the project's client from
``hub.integrations.clients``) and leaves the same audit row: an ``Action`` naming who asked, through
what, for what, and the provider's answer, whether it worked or not. A provider's refusal is a value,
not an exception: the returned action carries its message and hint for the caller to show.

Nothing here changes runs or jobs: what the CI does next arrives by its webhooks, the agent's reports
or the reconciler, like any other change.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from agent.providers import Provider, ProviderError, RunInfo
from hub.integrations.clients import client_for
from hub.operations.models import Action, ActionKind, ActionOutcome, ActionVia
from hub.projects.models import Project
from hub.runs.models import Job, Run

log = logging.getLogger(__name__)

MAX_TEXT = 2000
# A person is waiting for the answer: a rate limit that does not reset within seconds is reported (with
# when it resets) rather than waited for.
WAIT = {"max_rate_limit_wait": 5}
# Nor should a trigger poll for long: GitHub servers that answer a dispatch with 204 (no run id) get a
# few seconds for the new run to appear; otherwise the action links the workflow's runs.
TRIGGER_CONFIG = {**WAIT, "trigger_poll_attempts": 3, "trigger_poll_interval": 2.0}


class ActionRefused(ValueError):
    """The request cannot be sent as asked (a job the provider does not know, two choices at once)."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def trigger(
    project: Project,
    *,
    workflow: str,
    ref: str,
    inputs: Mapping[str, str] | None = None,
    user: Any,
    via: ActionVia,
) -> Action:
    """Start ``workflow`` on ``ref`` at the project's CI; the action names the run it started if known."""
    parameters = {"workflow": workflow, "ref": ref, "inputs": dict(inputs or {})}

    def call(client: Provider) -> dict[str, str]:
        started = client.trigger(workflow=workflow, ref=ref, inputs=inputs or None)
        return {
            "message": started.message,
            "result_run_id": started.run.id if started.run is not None else "",
            "result_url": started.url,
        }

    return _act(
        project,
        None,
        ActionKind.TRIGGER,
        workflow,
        parameters,
        user,
        via,
        call,
        config=TRIGGER_CONFIG,
    )


def rerun(
    run: Run, *, failed_only: bool = False, job: Job | None = None, user: Any, via: ActionVia
) -> Action:
    """Re-run the whole run, its failed jobs (``failed_only``) or one ``job`` of it."""
    if job is not None and failed_only:
        raise ActionRefused("re-run either one job or the failed jobs, not both", "choose one of them")
    parameters: dict[str, Any] = {"failed_only": failed_only}
    job_id = None
    if job is not None:
        if job.run_id != run.pk:
            raise ActionRefused(f"job {job.pk} is not a job of run {run.pk}", "pick a job of this run")
        if not job.provider_job_id:
            raise ActionRefused(
                f"the hub does not know the provider's id of job {job.name!r}",
                "it arrives with the CI's webhooks; re-run the run's failed jobs instead",
            )
        job_id = job.provider_job_id
        parameters.update(job=job.pk, job_name=job.name, provider_job_id=job_id)
    kind = ActionKind.RERUN_JOB if job else ActionKind.RERUN_FAILED if failed_only else ActionKind.RERUN

    def call(client: Provider) -> dict[str, str]:
        after = client.retry(run.provider_run_id, failed_only=failed_only, job_id=job_id)
        what = f"job {job.name!r}" if job else "the failed jobs" if failed_only else "every job"
        return {"message": f"re-run of {what} requested; {_describe(after)}", **_result(after)}

    return _act(run.project, run, kind, run.provider_run_id, parameters, user, via, call)


def cancel(run: Run, *, user: Any, via: ActionVia) -> Action:
    """Ask the CI to cancel the run; it stops asynchronously (its webhooks bring the end)."""

    def call(client: Provider) -> dict[str, str]:
        client.cancel(run.provider_run_id)
        return {"message": "cancellation requested; the run stops shortly"}

    return _act(run.project, run, ActionKind.CANCEL, run.provider_run_id, {}, user, via, call)


def _act(
    project: Project,
    run: Run | None,
    kind: ActionKind,
    target: str,
    parameters: dict[str, Any],
    user: Any,
    via: ActionVia,
    call: Callable[[Provider], dict[str, str]],
    *,
    config: Mapping[str, Any] = WAIT,
) -> Action:
    action = Action(
        project=project,
        run=run,
        kind=kind,
        via=via,
        user=user if getattr(user, "pk", None) and getattr(user, "is_authenticated", False) else None,
        actor=(getattr(user, "get_username", lambda: "")() or str(user))[:150],
        target=target[:1000],
        parameters=parameters,
    )
    try:
        client = client_for(project, config_overrides=config)
        answer = call(client)
    except ProviderError as error:
        action.outcome = ActionOutcome.FAILED
        action.message = error.message[:MAX_TEXT]
        action.hint = error.hint[:MAX_TEXT]
        action.provider_status = error.status
        action.error_type = type(error).__name__[:64]
    else:
        action.outcome = ActionOutcome.SUCCEEDED
        action.message = answer.get("message", "")[:MAX_TEXT]
        action.result_run_id = answer.get("result_run_id", "")[:200]
        action.result_url = answer.get("result_url", "")[:2000]
    action.save()
    log.info(
        "action %s: %s %s of %s by %s via %s: %s",
        action.pk,
        kind,
        target,
        project.full_name,
        action.actor,
        via,
        action.outcome,
    )
    return action


def _describe(run: RunInfo | None) -> str:
    if run is None:
        return "the provider did not say what it started"
    return f"run {run.id} attempt {run.attempt} is {run.status.replace('_', ' ')}"


def _result(run: RunInfo | None) -> dict[str, str]:
    return {"result_run_id": run.id, "result_url": run.url} if run is not None else {}
