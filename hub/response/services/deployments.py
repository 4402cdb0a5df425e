"""After the merge: the deployment a merged fix triggers, followed to its end, and undone when it fails.

When the policy names a deployment (``deploy.workflow`` to trigger, ``deploy.health_url`` to watch), the
hub's merge of a fix (``services/merging.py``) starts it: the workflow is triggered once (an
``effects.once`` effect keyed by job and merge commit, found again after a crash as the workflow's run on
the merge commit), or, with no workflow (a deployment that runs by itself on push), the watch is recorded.
The deployment's run completes like any run (webhook or reconciliation) and is matched to its effect by
its run id, as the fixer matches its dispatched run (a CI that does not name the run it started: the
health watch starts at the trigger). A passed run (or none to wait for) starts the watch:
``health_url`` is asked on the resume schedule for ``watch_minutes``; a 2xx answer each time ends the watch
healthy. A failed run, a run not completed within ``run_timeout_minutes``, or ``failures_to_undo`` failed
health checks in a row (``deployment_checks.py``) end it failed: a revert pull request (GitHub: a commit
whose tree is the merge's first parent's; GitLab: the merge commit reverted; on
``orchestrate/revert-<job>``) or the ``deploy.rollback`` workflow, once each, and the policy's Slack
webhook and emails are told. The effect's ``detail["settled"]`` says the
watch ended; every step is a line on the fix job's timeline.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from agent.providers import Provider, ProviderError, UnsupportedOperation
from hub.integrations.clients import ClientUnavailable, client_for
from hub.response.channels import email, slack
from hub.response.models import Effect, EffectState, FixJob
from hub.response.policy import store
from hub.response.services import deployment_checks as checks
from hub.response.services import effects, fix_jobs
from hub.runs.models import Conclusion, Run, RunStatus

log = logging.getLogger(__name__)

DEPLOY, REVERT, ROLLBACK = "deploy:trigger:", "deploy:revert:", "deploy:rollback:"
KIND = "deployment"
REVERTING = "revert"  # deploy.rollback's value for a revert pull request
WATCH_LIMIT = 50  # deployments checked per pass
CLOCK_SKEW = timedelta(minutes=1)  # between the hub's clock and the CI's, when a run is found by its start


def wanted(policy: dict[str, Any]) -> bool:
    """Whether the project's effective policy names a deployment."""
    return bool(policy["deploy"]["workflow"] or policy["deploy"]["health_url"])


def start(job: FixJob, client: Provider, merge_sha: str, base: str) -> None:
    """Start the deployment of ``job``'s fix, merged at ``merge_sha`` into ``base`` (outside any transaction,
    so the trigger's effect is recorded before its call)."""
    policy = store.effective(job.project)["deploy"]
    workflow, ref = policy["workflow"], policy["ref"] or base
    key = f"{DEPLOY}{job.pk}:{merge_sha}"
    detail = {"merge_sha": merge_sha, "base": base, "ref": ref, "workflow": workflow}
    if not workflow:  # deployed by the merge itself: nothing to call, the watch starts now
        effect, recorded = effects.adopt(job, key, KIND, effects.Made(detail={**detail, **_watch(job)}))
        if recorded:
            fix_jobs.note(job, f"deployment: watching {policy['health_url']} for {policy['watch_minutes']} "
                          "min after the merge", {"effect": effect.pk})  # fmt: skip
        return

    def call() -> effects.Made:
        triggered = client.trigger(workflow=workflow, ref=ref)
        run_id = triggered.run.id if triggered.run is not None else ""
        return effects.Made(run_id, triggered.url, {**detail, "said": triggered.message})

    def check() -> effects.Made | None:
        found = next(
            (r for r in client.list_runs(workflow=workflow, branch=ref) if r.commit_sha == merge_sha), None
        )
        return effects.Made(found.id, found.url, detail) if found is not None else None

    try:
        effect, made = effects.once(job, key, KIND, call, check)
    except (effects.Refused, ProviderError) as exc:
        fix_jobs.note(job, f"deployment trigger failed: {exc}; check the CI and start {workflow} if it did "
                      "not run", {"merge_sha": merge_sha})  # fmt: skip
        return
    if not made:
        return
    fix_jobs.note(
        job, f"deployment: triggered {workflow} on {ref}: {effect.external_url}", {"effect": effect.pk}
    )
    if not effect.external_id:  # the CI did not name the run it started: it cannot be followed
        watched = {**_watch(job), "unfollowed": True} if policy["health_url"] else {"settled": "unfollowed"}
        effects.revise(effect, effects.Made(detail=watched))
        fix_jobs.note(job, "deployment run not named by the CI, so not followed; "
                      + ("its health is watched from now" if policy["health_url"] else "nothing is watched"),
                      {"effect": effect.pk})  # fmt: skip


def verify(run: Run) -> None:
    """Follow a completed deployment run: a pass starts the health watch, anything else fails it."""
    if run.status != RunStatus.COMPLETED:
        return
    effect = _deployment_of(run)
    if effect is None or effect.detail.get("settled") or effect.detail.get("watch_until"):
        return
    job = effect.fix_job
    if run.conclusion != Conclusion.SUCCESS:
        reason = f"the deployment run {run.provider_run_id} ended {run.conclusion or 'without a conclusion'}"
        fix_jobs.note(job, f"deployment failed: {reason}", {"run": run.pk, "effect": effect.pk})
        effects.revise(effect, effects.Made(detail={"settled": "failed", "failure": reason}))
        _hand_off(effect.pk)
        return
    if not store.effective(job.project)["deploy"]["health_url"]:
        fix_jobs.note(job, f"deployment succeeded: run {run.provider_run_id} passed", {"run": run.pk})
        effects.revise(effect, effects.Made(detail={"settled": "healthy"}))
        return
    effects.revise(effect, effects.Made(detail=_watch(job)))
    fix_jobs.note(job, f"deployment run {run.provider_run_id} passed; watching its health", {"run": run.pk})


def watch(now: datetime | None = None) -> int:
    """One health check of every deployment being watched, and the deployment runs past their time;
    returns how many failed (and are undone)."""
    now = now or timezone.now()
    failed = 0
    for effect, minutes in checks.overdue(KIND, DEPLOY, now, WATCH_LIMIT):
        reason = f"the deployment run {effect.external_id} did not complete within {minutes} min"
        fix_jobs.note(effect.fix_job, f"deployment failed: {reason}", {"effect": effect.pk})
        effects.revise(effect, effects.Made(detail={"settled": "failed", "failure": reason}))
        failed += 1
    watching = (
        Effect.objects.filter(kind=KIND, state=EffectState.DONE, detail__has_key="watch_until")
        .exclude(detail__has_key="settled")
        .select_related("fix_job__project")
        .order_by("updated_at")[:WATCH_LIMIT]
    )
    for effect in watching:
        failed += _check(effect, now)
    unfinished = Effect.objects.filter(kind=KIND, detail__settled="failed").exclude(detail__has_key="undone")
    for effect in unfinished.order_by("updated_at")[:WATCH_LIMIT]:  # just failed, or an answer was lost
        roll_back(effect.pk)
    return failed


def _check(effect: Effect, now: datetime) -> int:
    """One health check of a watched deployment; 1 when it ends the watch failed (undone just after)."""
    job, deploy = effect.fix_job, store.effective(effect.fix_job.project)["deploy"]
    url, needed = deploy["health_url"], deploy["failures_to_undo"]
    problem = checks.unhealthy(url) if url else ""
    before = int(effect.detail.get("failed_checks", 0))
    in_a_row, undo = checks.judge(before, problem, needed)
    if problem and undo:
        fix_jobs.note(job, f"deployment failed: health check: {problem}", {"effect": effect.pk})
        failure = f"health check: {problem}"
        effects.revise(effect, effects.Made(detail={"settled": "failed", "failure": failure}))
        return 1
    if problem:
        fix_jobs.note(job, f"deployment health check failed ({in_a_row} of {needed} in a row undo it): "
                      f"{problem}", {"effect": effect.pk})  # fmt: skip
    elif now >= datetime.fromisoformat(effect.detail["watch_until"]):
        effects.revise(effect, effects.Made(detail={"settled": "healthy", "failed_checks": 0}))
        fix_jobs.note(job, f"deployment healthy: {url or 'no health URL'} answered for the whole watch",
                      {"effect": effect.pk})  # fmt: skip
        return 0
    elif before:
        fix_jobs.note(
            job, f"deployment health check passed again after {before} failed", {"effect": effect.pk}
        )
    if in_a_row != before:
        effects.revise(effect, effects.Made(detail={"failed_checks": in_a_row}))
    return 0


def roll_back(effect_id: int) -> str:
    """Undo a failed deployment once (a revert pull request or the rollback workflow) and tell people; an
    answer lost on the way leaves it for the next watch pass. One worker at a time (a lock in the shared
    cache): the task handed off by the run's webhook and the watch pass may both reach it."""
    effect = Effect.objects.select_related("fix_job__project").get(pk=effect_id)
    if effect.detail.get("undone"):
        return str(effect.detail["undone"])
    lock = f"deploy:undo:{effect_id}"
    if not cache.add(lock, 1, timeout=int(fix_jobs.lease().total_seconds())):
        return "being undone by another worker"
    try:
        undone = _undo(effect)
    finally:
        cache.delete(lock)
    if undone:
        job, why = effect.fix_job, effect.detail.get("failure", "the deployment failed")
        notify = store.effective(job.project)["notify"]
        _tell(job, notify, f"Orchestrate: the deployment of fix job #{job.pk} failed ({why}); {undone}")
        effects.revise(effect, effects.Made(detail={"undone": undone}))
    return undone or "not undone yet: tried again on the next watch pass"


def _undo(effect: Effect) -> str:
    """What was done to undo ``effect``'s deployment; '' when the provider's answer was lost."""
    job, rollback = effect.fix_job, store.effective(effect.fix_job.project)["deploy"]["rollback"]
    merge_sha, why = effect.detail["merge_sha"], effect.detail.get("failure", "the deployment failed")
    try:
        client = client_for(job.project)
        if rollback == REVERTING:
            return _revert(job, client, merge_sha, effect.detail["base"], why)
        return _rollback_workflow(job, client, rollback, effect.detail["ref"], merge_sha)
    except (effects.Refused, UnsupportedOperation, ClientUnavailable) as exc:  # surely not: a person undoes
        fix_jobs.note(job, f"deployment rollback failed: {exc}", {"effect": effect.pk})
        return f"not undone: {exc}; a person undoes the merge of {merge_sha[:12]}"
    except ProviderError as exc:  # perhaps made: the next pass asks the provider before calling again
        fix_jobs.note(job, f"deployment rollback not done yet: {exc}; tried again on the next watch pass",
                      {"effect": effect.pk})  # fmt: skip
        return ""


def _revert(job: FixJob, client: Provider, merge_sha: str, base: str, why: str) -> str:
    branch = f"orchestrate/revert-{job.pk}"
    title = f"Revert fix job #{job.pk}: its deployment failed"
    body = (
        f"Orchestrate merged fix job #{job.pk} at {merge_sha} and its deployment failed: {why}. "
        "This pull request reverts the merge."
    )

    def call() -> effects.Made:
        # An earlier attempt may have written it before it stopped (GitLab: the branch first, at the merge)
        if client.branch_sha(branch) in (None, merge_sha):
            client.revert_merge(branch=branch, merge_sha=merge_sha, message=f"{title}\n\n{body}")
        pr = client.open_pull_request(head=branch, base=base, title=title, body=body)
        return effects.Made(pr.number, pr.url, {"branch": branch})

    def check() -> effects.Made | None:
        found = next((pr for pr in client.find_pull_requests(branch) if not pr.from_fork), None)
        return effects.Made(found.number, found.url, {"branch": branch}) if found is not None else None

    effect, _ = effects.once(job, f"{REVERT}{job.pk}:{merge_sha}", "pull_request", call, check)
    opened = f"revert pull request {effect.external_id} opened: {effect.external_url}"
    fix_jobs.note(job, f"deployment rollback: {opened}", {"effect": effect.pk})
    return f"revert pull request {effect.external_url}"


def _rollback_workflow(job: FixJob, client: Provider, workflow: str, ref: str, merge_sha: str) -> str:
    key = f"{ROLLBACK}{job.pk}:{merge_sha}"

    def call() -> effects.Made:
        triggered = client.trigger(workflow=workflow, ref=ref)
        return effects.Made(triggered.run.id if triggered.run is not None else "", triggered.url)

    def check() -> effects.Made | None:
        since = Effect.objects.get(key=key).created_at - CLOCK_SKEW  # recorded before the first trigger
        runs = client.list_runs(workflow=workflow, branch=ref)
        found = next((r for r in runs if r.created_at is not None and r.created_at >= since), None)
        return effects.Made(found.id, found.url) if found is not None else None

    effect, _ = effects.once(job, key, "rollback", call, check)
    triggered = f"triggered {workflow} on {ref}: {effect.external_url}"
    fix_jobs.note(job, f"deployment rollback: {triggered}", {"effect": effect.pk})
    return f"rollback workflow {workflow} triggered {effect.external_url}".strip()


def _tell(job: FixJob, notify: dict[str, Any], text: str) -> None:
    """The policy's Slack webhook and emails, each told once; a delivery that fails is a timeline line."""
    from hub.response.responders.notify import message_once

    sends: list[tuple[str, str, Callable[[], effects.Made]]] = []
    if url := notify["slack_webhook_url"]:
        digest = hashlib.sha256(url.encode()).hexdigest()[:16]  # the URL is a secret: never in a key
        sends.append(
            (f"deploy:slack:{job.pk}:{digest}", "slack", lambda: slack.send(url, slack.Message(text)))
        )
    mail = email.Message(subject=text[: email.MAX_SUBJECT], text=f"{text}\n", html=f"<p>{escape(text)}</p>")
    for address in notify["emails"]:
        key = f"deploy:email:{job.pk}:{address.lower()}"
        sends.append((key, "email", lambda address=address: email.send(address, mail)))
    for key, kind, send in sends:
        try:
            message_once(job, key, kind, send)
        except Exception as exc:  # told on the timeline; the rollback itself is done
            fix_jobs.note(job, f"deployment notice by {kind} not sent: {exc}", {"key": key.split(":")[1]})


def _deployment_of(run: Run) -> Effect | None:
    """The deployment effect whose workflow run ``run`` is, by its run id (as the fixer's dispatch)."""
    return (
        Effect.objects.filter(kind=KIND, key__startswith=DEPLOY, state=EffectState.DONE,
                              fix_job__project_id=run.project_id, external_id=run.provider_run_id)
        .exclude(external_id="")
        .select_related("fix_job")
        .first()
    )  # fmt: skip


def _watch(job: FixJob) -> dict[str, str]:
    minutes = store.effective(job.project)["deploy"]["watch_minutes"]
    return {"watch_until": (timezone.now() + timedelta(minutes=minutes)).isoformat()}


def _hand_off(effect_id: int) -> None:
    """Undo after commit, in a task (effects are recorded before their calls only outside a transaction)."""
    from django.db import transaction
    from django_q.tasks import async_task

    transaction.on_commit(
        lambda: async_task(
            "hub.response.tasks.roll_back_deployment", effect_id, task_name=f"rollback-{effect_id}"
        )
    )
