"""The coding agent's pull request, followed through its CI to the merge decision, with rounds of fixes.

A failure's hand-off and an operator's task end the same way: the agent's run completes naming a pull
request. ``opened`` links it to the fix job once (the effect ``agent:pull_request:<job>``, with the
branch and head the provider shows) and the job keeps awaiting verification: its pull request's CI is
what settles it, as a fix branch's run settles the fixer's job (``fix_rounds.after_run``). A completed run
is the pull request's when it carries its number or comes from its branch (``verify``, from the coding
agent's responder); a run of the head that completed before the link is taken when the link is made. A
green run goes to the merge decision (``services/merging.py``) when ``merge.enabled`` is on, else
succeeds the job; a red run is round 2, 3... (``resume``): the agent run that wrote the pull request is
given the red run's failure context (Codegen: its run resumed with that message; a generic agent: a new
signed POST naming the round), once per round (``effects.once`` keyed ``agent:round:<job>:<n>``), up to
``agent.max_rounds`` in all; then one comment on the pull request lists every round and asks a person,
and the job fails (``fix_rounds``, shared with the fixer).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from agent.providers import ProviderError, UnsupportedOperation
from hub.integrations.clients import ClientUnavailable, client_for
from hub.response.agents import adapter_for, prompt
from hub.response.agents.base import Seen
from hub.response.agents.models import AgentConnection, AgentRun, AgentRunState
from hub.response.models import Effect, EffectState, FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.services import agent_tasks, effects, facts, fix_jobs, fix_rounds
from hub.runs.models import Run, RunStatus

log = logging.getLogger(__name__)

PULL_REQUEST, ROUND = "agent:pull_request:", "agent:round:"
POLL_SECONDS = 60  # the resumed run's first read, as a new run's (responders/coding_agent.py)


def opened(run: AgentRun) -> None:
    """Agent run ``run`` completed with a pull request: link it and await its CI. A pull request address
    the hub cannot follow (no number in it) settles the job as the agent's answer, as it always did."""
    job = run.fix_job
    pull = _link(job, run)
    if pull is None:
        fix_jobs.verify(job, fix_jobs.Outcome(
            FixState.SUCCEEDED, f"agent run {run.external_id} opened {run.pull_request_url}",
            {"agent_run": run.pk, "pull_request_url": run.pull_request_url},
        ))  # fmt: skip
        return
    head = pull.detail.get("head_sha", "")
    done = (
        Run.objects.filter(project=job.project_id, commit_sha=head, status=RunStatus.COMPLETED)
        .exclude(pk=job.run_id or 0)
        .order_by("-finished_at", "-pk")
        .first()
        if head
        else None
    )
    if done is not None and not facts.analysis_pending(done):
        fix_rounds.after_run(job, done)  # its CI finished before the agent's run was seen to end


def _link(job: FixJob, run: AgentRun) -> Effect | None:
    """The pull request effect of ``job`` (recorded once), its branch and head as the provider shows them
    now; None when the address names no pull request."""
    match = agent_tasks.PULL_NUMBER.search(run.pull_request_url)
    if not match:
        return None
    number = match.group(1)
    seen: dict[str, str] = {}
    try:
        pr = client_for(job.project).get_pull_request(number)
        seen = {"branch": pr.head, "head_sha": pr.head_sha}
    except (ProviderError, UnsupportedOperation, ClientUnavailable) as exc:  # matched by number meanwhile
        log.warning("fix job %s: could not read pull request %s: %s", job.pk, number, exc)
    made = effects.Made(number, run.pull_request_url, {"agent_run": run.pk, **seen})
    effect, recorded = effects.adopt(job, f"{PULL_REQUEST}{job.pk}", "pull_request", made)
    if recorded:
        said = f"pull request {number} opened by agent run {run.external_id}: {run.pull_request_url}"
        fix_jobs.note(job, f"{said}; its CI is awaited", {"effect": effect.pk, **seen})
    elif seen and effect.detail.get("head_sha") != seen["head_sha"]:
        effects.revise(effect, effects.Made(detail=seen))  # a later round pushed a new head
    return effect


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Settle the coding-agent jobs whose pull request ``run`` (completed) belongs to."""
    if run.status != RunStatus.COMPLETED:
        return
    awaiting = _linked(run).filter(fix_job__state=FixState.AWAITING_VERIFICATION)
    mine = list(awaiting.select_related("fix_job__project"))
    if mine and facts.analysis_pending(run, besides=besides_upload):
        return  # the upload's analysis looks again when it is done
    for effect in mine:
        fix_rounds.after_run(effect.fix_job, run)


def of_agent(run: Run) -> bool:
    """Whether ``run`` is a run of a pull request an agent opened: never handed to an agent again (its
    red runs are that pull request's rounds)."""
    return _linked(run).exists()


def _linked(run: Run) -> QuerySet[Effect]:
    """The agents' pull requests ``run`` belongs to: by its pull request number, or by its branch."""
    by = Q(external_id=str(run.pull_request)) if run.pull_request is not None else Q(pk__in=[])
    if run.branch:
        by |= Q(detail__branch=run.branch)
    return Effect.objects.filter(
        by, key__startswith=PULL_REQUEST, state=EffectState.DONE, fix_job__project_id=run.project_id,
        fix_job__responder=Responder.CODING_AGENT,
    ).exclude(fix_job__run=run)  # fmt: skip


def resume(job: FixJob, run: Run, number: int, done: list[Effect]) -> str:
    """Round ``number``: the agent run that wrote the pull request gets red run ``run``'s failure context."""
    agent_run = job.agent_runs.exclude(external_id="").order_by("-attempt").first()
    if agent_run is None:
        return _failed(job, run, number, "no agent run of the job is known to resume")
    rules = store.effective(job.project)["agent"]
    connection = AgentConnection.objects.filter(project=job.project_id).first()
    key = ROUNDS.key(job, number)
    callback = settings.SITE_URL + reverse("agent-run-callback", args=[agent_run.pk])
    try:
        adapter = adapter_for(agent_run.adapter, connection, rules)
        built = prompt.for_round(run, done[0].external_url, number, f"orchestrate-fix-job: {job.pk}",
                                 connection.prompt_template if connection else "")  # fmt: skip
    except effects.Refused as refusal:
        return _failed(job, run, number, str(refusal))

    def send():
        return adapter.resume(agent_run, built.text, key=key, document=built.document, callback_url=callback)

    def made(seen: Seen) -> effects.Made:
        detail = {"after_run": run.pk, "round": number, "status_url": seen.status_url,
                  "status_word": seen.status_word}  # fmt: skip
        external = seen.external_id or agent_run.external_id
        return effects.Made(external, seen.web_url or agent_run.web_url, detail)

    def check() -> effects.Made | None:
        found = adapter.find(key, send)  # Codegen cannot be asked: refused, for a person to look
        return made(found) if found is not None else None

    try:
        effect, _ = effects.once(job, key, "agent_round", lambda: made(send()), check)
    except effects.RetryLater as wait:  # surely not sent: the round is asked again when the limit allows
        Effect.objects.filter(key=key, state=EffectState.UNKNOWN).update(state=EffectState.FAILED)
        _again(job, run, number, wait.seconds)
        fix_jobs.note(job, f"round {number} waits {wait.seconds:.0f} s for the agent's limit: {wait}",
                      {"run": run.pk, "round": number})  # fmt: skip
        return job.state
    except effects.Refused as refusal:
        return _failed(job, run, number, str(refusal))
    except ProviderError as exc:  # no clear answer: checked with the agent before any resend
        fix_jobs.note(job, f"round {number} got no clear answer from the agent ({exc}); the pull request's "
                      "next red run asks again", {"run": run.pk, "round": number})  # fmt: skip
        return job.state
    now = timezone.now()
    AgentRun.objects.filter(pk=agent_run.pk).update(
        state=AgentRunState.RUNNING, external_id=effect.external_id, web_url=effect.external_url,
        status_url=effect.detail.get("status_url") or agent_run.status_url, finished_at=None,
        status_word=effect.detail.get("status_word", ""), created_at=now,  # its timeout counts from here
        next_poll_at=now + timedelta(seconds=POLL_SECONDS),
    )  # fmt: skip
    ended = run.conclusion or "without a conclusion"
    fix_jobs.note(job, f"the pull request's run on {run.branch} ended {ended}; round {number}: agent run "
                  f"{effect.external_id} given that failure", {"run": run.pk, "effect": effect.pk,
                                                               "round": number})  # fmt: skip
    return job.state


def _again(job: FixJob, run: Run, number: int, seconds: float) -> None:
    """The round's task once more, after ``seconds`` (one schedule per job and round)."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(
        name=f"agent-round-{job.pk}-{number}",
        defaults={"func": "hub.response.tasks.fix_round", "args": f"{job.pk},{run.pk}",
                  "schedule_type": Schedule.ONCE, "repeats": 1,
                  "next_run": timezone.now() + timedelta(seconds=max(seconds, 1))},
    )  # fmt: skip


def _failed(job: FixJob, run: Run, number: int, why: str) -> str:
    reason = f"round {number} could not be given to the agent: {why}"
    fix_jobs.verify(job, fix_jobs.Outcome(FixState.FAILED, reason, {"run": run.pk}))
    return job.state


def _branch(_job: FixJob, pull: Effect) -> str:
    """The agent names its own branch: the one its pull request brought when it was linked."""
    return pull.detail.get("branch", "")


ROUNDS = fix_rounds.Rounds(
    "coding agent", "the agent", "agent", f"{PULL_REQUEST}{{job}}", f"{ROUND}{{job}}:",
    f"{PULL_REQUEST}{{job}}", "agent:rounds:ask:{job}", resume, _branch,
)  # fmt: skip
