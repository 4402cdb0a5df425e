"""The coding-agent responder: hand a red run (of the categories ``route.coding_agent`` lists) or an
operator's task to the project's coding agent, and follow the agent's run to its pull request.

``consider`` opens one fix job per run attempt (``agent:run:<provider run id>:<attempt>``; a task's is
``agent:task:<id>``), within ``agent.max_per_day``. ``act`` (a worker) first waits for a maintainer's
approval when ``agent.require_approval`` says so, then starts agent run N of the job with the strategy
for N (``agents.decide.strategy``): an ``AgentRun`` row is written first (its id is in the callback URL),
then the start is an effect through ``effects.once`` keyed ``agent:<fix job>:<N>``, so a redelivered task
never starts a second run. The job then awaits verification: ``services.agent_runs`` polls the run (or
takes the agent's callback) until it ends, links its pull request, or starts the next attempt after a
backoff, up to ``agent.max_attempts``. The pull request's own CI then settles the job
(``services.agent_pulls``): the merge decision when green, the agent's next round when red.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from hub.response.agents import adapter_for, decide, prompt
from hub.response.agents.models import AgentConnection, AgentRun, AgentRunState
from hub.response.models import Effect, EffectState, FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.services import effects, facts, fix_jobs
from hub.runs.models import Run, RunStatus

log = logging.getLogger(__name__)

KIND = Responder.CODING_AGENT
POLL_SECONDS = 60  # between two reads of a running agent run
APPROVED = "approved"  # the detail key of the event that approves a hand-off


def key(run: Run) -> str:
    return f"agent:run:{run.provider_run_id}:{run.attempt}"


def handoffs_today(project_id: int) -> int:
    since = timezone.now() - timedelta(days=1)
    return FixJob.objects.filter(project_id=project_id, responder=KIND, created_at__gte=since).count()


def consider(run: Run, policy: dict[str, Any], *, besides_upload: int | None = None) -> FixJob | None:
    from hub.response.services import agent_pulls  # it builds on this module

    categories = policy["route"]["coding_agent"]
    if (
        not categories
        or run.status != RunStatus.COMPLETED
        or FixJob.objects.filter(project=run.project_id, key=key(run)).exists()
        or agent_pulls.of_agent(run)  # an agent's own pull request: its red runs are its rounds
    ):
        return None
    decision = decide.handoff(
        facts.run_facts(run, besides_upload=besides_upload), categories, policy["agent"],
        pull_request=run.pull_request is not None, handoffs_today=handoffs_today(run.project_id),
    )  # fmt: skip
    if not decision.act:
        log.info("run %s attempt %s not handed off: %s", run.provider_run_id, run.attempt, decision.reason)
        return None
    return fix_jobs.open_job(run.project_id, KIND, key(run), decision.reason, decision.detail, run=run)


def approved(job: FixJob) -> bool:
    return job.events.filter(**{f"detail__{APPROVED}": True}).exists()


def act(job: FixJob) -> fix_jobs.Outcome:
    rules = store.effective(job.project)["agent"]
    last = job.agent_runs.order_by("-attempt").first()
    if last is not None and last.state in (AgentRunState.RUNNING, AgentRunState.PAUSED) and last.external_id:
        return _started(last, "already started; following it")
    if last is None and rules["require_approval"] and not approved(job):
        return fix_jobs.Outcome(
            FixState.AWAITING_APPROVAL,
            "waits for a maintainer's approval (agent.require_approval): approve it in the admin or "
            f"with POST /api/v1/fix-jobs/{job.pk}/approve",
        )
    if not rules["adapter"]:
        return fix_jobs.Outcome(FixState.FAILED, "no coding agent: set agent.adapter in the project's policy")
    unfinished = last if last is not None and last.state == AgentRunState.RUNNING else None
    # A run row without an agent id is a start that did not finish (an error, a rate limit, a lost
    # worker): this attempt is that one again.
    tried = this_round(job).exclude(pk=unfinished.pk if unfinished else None).count()
    if tried >= rules["max_attempts"]:
        return fix_jobs.Outcome(
            FixState.FAILED, f"agent.max_attempts ({rules['max_attempts']}) runs were made"
        )
    number = unfinished.attempt if unfinished else (last.attempt + 1 if last else 1)
    connection = AgentConnection.objects.filter(project=job.project_id).first()
    strategy = decide.strategy(tried + 1)
    try:
        adapter = adapter_for(rules["adapter"], connection, rules)
        built = prompt_for(job, strategy, connection)
    except effects.Refused as refusal:
        return fix_jobs.Outcome(FixState.FAILED, str(refusal))
    agent_run, _ = AgentRun.objects.get_or_create(
        fix_job=job, attempt=number, defaults={"strategy": strategy, "adapter": adapter.name}
    )
    effect_key = f"agent:{job.pk}:{number}"
    callback = settings.SITE_URL + reverse("agent-run-callback", args=[agent_run.pk])

    def start():
        return adapter.start(built.text, key=effect_key, document=built.document, callback_url=callback)

    def call() -> effects.Made:
        return _made(start())

    def check() -> effects.Made | None:
        found = adapter.find(effect_key, start)
        return _made(found) if found is not None else None

    try:
        effect, _ = effects.once(job, effect_key, "agent_run", call, check)
    except effects.RetryLater:
        # A rate limit (the agent's 429, or the hub's own limiter) is a sure "not started": the next
        # attempt starts the run instead of asking whether it exists.
        Effect.objects.filter(key=effect_key, state=EffectState.UNKNOWN).update(state=EffectState.FAILED)
        raise
    except effects.Refused as refusal:
        AgentRun.objects.filter(pk=agent_run.pk).update(
            state=AgentRunState.FAILED, summary=str(refusal)[:4000], finished_at=timezone.now()
        )
        return fix_jobs.Outcome(FixState.FAILED, f"the agent refused the hand-off: {refusal}", refusal.detail)
    detail = effect.detail
    AgentRun.objects.filter(pk=agent_run.pk).update(
        external_id=effect.external_id, web_url=effect.external_url,
        status_url=detail.get("status_url", ""), status_word=detail.get("status_word", ""),
        prompt_bytes=len(built.text.encode()), next_poll_at=timezone.now() + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip
    agent_run.refresh_from_db()
    return _started(agent_run, f"started with the {agent_run.get_strategy_display().lower()}")


def _started(agent_run: AgentRun, how: str) -> fix_jobs.Outcome:
    return fix_jobs.Outcome(
        FixState.AWAITING_VERIFICATION,
        f"agent run {agent_run.external_id} (attempt {agent_run.attempt}) {how}; its end is awaited",
        {"agent_run": agent_run.pk, "web_url": agent_run.web_url, "strategy": agent_run.strategy},
    )


def this_round(job: FixJob) -> QuerySet[AgentRun]:
    """The job's agent runs since an operator last sent it back from failed or dead (each "try again"
    gets ``agent.max_attempts`` runs, starting again from the first strategy)."""
    retried = (
        job.events.filter(to_state=FixState.PENDING, from_state__in=(FixState.FAILED, FixState.DEAD))
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    runs = AgentRun.objects.filter(fix_job=job)
    return runs.filter(created_at__gt=retried) if retried else runs


def prompt_for(job: FixJob, strategy: str, connection: AgentConnection | None) -> prompt.Prompt:
    template = connection.prompt_template if connection is not None else ""
    marker = f"orchestrate-fix-job: {job.pk}"
    task = getattr(job, "task", None)
    if task is not None:
        return prompt.for_task(task, strategy, marker, template)
    if job.run is None:
        raise effects.Refused("the run was pruned before it could be handed off")
    return prompt.for_run(job.run, strategy, marker, template)


def _made(seen) -> effects.Made:
    detail = {"status_word": seen.status_word, "status_url": seen.status_url}
    return effects.Made(seen.external_id, seen.web_url, detail)


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Agent runs end at the agent (``services.agent_runs`` polls them and takes their callbacks); a
    completed CI run of the pull request an agent run opened settles its job (``services.agent_pulls``):
    the merge decision, or the agent's next round."""
    from hub.response.services import agent_pulls  # it builds on this module

    agent_pulls.verify(run, besides_upload=besides_upload)
