"""Following coding-agent runs to their end: polls on a schedule, the agent's signed callbacks, approval.

Every minute ``poll`` reads the agent runs that are due (``next_poll_at``), within the agent's limits
(``agents.limits``; a 429 or a used-up window moves the run's next read by the time asked). ``apply`` is
the one place a run's news lands, from a poll or a callback: a completed run with a pull request succeeds
the fix job with the pull request linked (on the run, and on the effect that started it); a failed run,
one that completed without a pull request, or one that did not end within ``agent.timeout_minutes``
sends the job back to pending after a backoff (doubling, ±25% jitter) for the next attempt and its
strategy, until ``agent.max_attempts``, then fails it. A paused run is resumed once with more context.
Once a pull request is linked, the job awaits its CI (``services.agent_pulls``); a round's run that ends
badly then fails the job, for a person (another attempt would open another pull request).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hub.response import machine
from hub.response.agents import adapter_for, decide
from hub.response.agents.base import Seen
from hub.response.agents.models import AgentConnection, AgentRun, AgentRunState, Strategy
from hub.response.models import Effect, FixJob, FixState
from hub.response.policy import store
from hub.response.responders import coding_agent
from hub.response.services import agent_pulls, effects, fix_jobs, fix_rounds

log = logging.getLogger(__name__)

BATCH = 50
UNFINISHED = (AgentRunState.RUNNING, AgentRunState.PAUSED)


def poll(now: datetime | None = None) -> int:
    """Read every due agent run once; returns how many were read."""
    now = now or timezone.now()
    due = (
        AgentRun.objects.filter(
            state__in=UNFINISHED, next_poll_at__lte=now, fix_job__state=FixState.AWAITING_VERIFICATION
        )
        .exclude(external_id="")
        .select_related("fix_job__project")[:BATCH]
    )
    count = 0
    for run in due:
        count += 1
        try:
            _poll_one(run, now)
        except Exception:  # one agent's trouble must not stop the others' polls
            log.exception("polling agent run %s failed", run.pk)
            _later(run, now + timedelta(seconds=coding_agent.POLL_SECONDS))
    return count


def _poll_one(run: AgentRun, now: datetime) -> None:
    rules = store.effective(run.fix_job.project)["agent"]
    AgentRun.objects.filter(pk=run.pk).update(polls=run.polls + 1)
    if now - run.created_at > timedelta(minutes=rules["timeout_minutes"]):
        seen = Seen(run.external_id, AgentRunState.FAILED, "timeout")
        apply(run, seen, f"no end after agent.timeout_minutes ({rules['timeout_minutes']})")
        return
    connection = AgentConnection.objects.filter(project=run.fix_job.project_id).first()
    try:
        adapter = adapter_for(run.adapter, connection, rules)
        seen = adapter.status(run)
        if seen.state == AgentRunState.PAUSED and run.state != AgentRunState.PAUSED:
            more = coding_agent.prompt_for(run.fix_job, Strategy.MORE_CONTEXT, connection)
            seen = adapter.resume(run, more.text)
    except effects.RetryLater as wait:
        _later(run, now + timedelta(seconds=wait.seconds))
        return
    except effects.Refused as refusal:
        apply(run, Seen(run.external_id, AgentRunState.FAILED, "refused"), str(refusal))
        return
    apply(run, seen, "")
    _later(run, now + timedelta(seconds=coding_agent.POLL_SECONDS))


def _later(run: AgentRun, when: datetime) -> None:
    AgentRun.objects.filter(pk=run.pk).update(next_poll_at=when)


def apply(run: AgentRun, seen: Seen, why: str) -> str:
    """Record what the agent says of ``run`` and move its fix job; returns the run's state after."""
    with transaction.atomic():
        fresh = AgentRun.objects.select_for_update().get(pk=run.pk)
        if fresh.state not in UNFINISHED:
            return fresh.state  # settled already (a callback and a poll crossed)
        ended = seen.state in (AgentRunState.COMPLETED, AgentRunState.FAILED)
        fresh.state, fresh.status_word = seen.state, seen.status_word or fresh.status_word
        fresh.web_url = seen.web_url or fresh.web_url
        fresh.status_url = seen.status_url or fresh.status_url
        fresh.pull_request_url = seen.pull_request_url or fresh.pull_request_url
        fresh.summary = seen.summary or why or fresh.summary
        fresh.finished_at = timezone.now() if ended else None
        fresh.save()
    if fresh.pull_request_url:
        _link(fresh)
    if fresh.state == AgentRunState.COMPLETED and fresh.pull_request_url:
        agent_pulls.opened(fresh)  # its CI settles the job now
    elif ended:
        said = why or (
            f"ended {fresh.status_word or 'completed'} without a pull request"
            if fresh.state == AgentRunState.COMPLETED
            else f"ended {fresh.status_word or 'failed'}"
        )
        _next_attempt(fresh, said)
    return fresh.state


def _link(run: AgentRun) -> None:
    effect = Effect.objects.filter(key=f"agent:{run.fix_job_id}:{run.attempt}").first()
    if effect is not None:
        effects.revise(effect, effects.Made(detail={"pull_request_url": run.pull_request_url}))


def _next_attempt(run: AgentRun, said: str) -> None:
    job = run.fix_job
    rules = store.effective(job.project)["agent"]
    detail = {"agent_run": run.pk, "status": run.status_word}
    pull = fix_rounds.pull_request(job)
    if pull is not None:  # a round on its pull request ended badly: a new attempt would open another
        reason = f"agent run {run.external_id} {said} while fixing the CI of {pull.external_url}"
        fix_jobs.verify(job, fix_jobs.Outcome(FixState.FAILED, f"{reason}; a person decides", detail))
        return
    tried = coding_agent.this_round(job).count()
    if tried >= rules["max_attempts"]:
        fix_jobs.verify(job, fix_jobs.Outcome(
            FixState.FAILED, f"agent run {run.external_id} (attempt {run.attempt}, the last of "
            f"agent.max_attempts) {said}", detail,
        ))  # fmt: skip
        return
    due = timezone.now() + machine.backoff(tried, settings.FIX_JOB_BACKOFF_SECONDS, random.Random())
    following = decide.strategy(tried + 1)
    moved = fix_jobs.transition(
        job, FixState.PENDING,
        f"agent run {run.external_id} (attempt {run.attempt}) {said}; attempt {run.attempt + 1} "
        f"({following}) at {due:%H:%M:%S}",
        detail={**detail, "next_attempt_at": due.isoformat(), "strategy": following},
        guard=Q(state=FixState.AWAITING_VERIFICATION), attempts=0, next_attempt_at=due,
        last_error=said[: fix_jobs.MAX_ERROR],
    )  # fmt: skip
    if moved:
        job_id = job.pk
        transaction.on_commit(lambda: fix_jobs.dispatch([job_id]))


def approve(job: FixJob, actor: str) -> bool:
    """A maintainer's approval of a hand-off waiting for one: the job goes to a worker."""
    moved = fix_jobs.transition(
        job, FixState.PENDING, f"{actor} approved the hand-off", actor=actor,
        detail={coding_agent.APPROVED: True}, guard=Q(state=FixState.AWAITING_APPROVAL),
        attempts=0, next_attempt_at=timezone.now(),
    )  # fmt: skip
    if moved:
        job_id = job.pk
        transaction.on_commit(lambda: fix_jobs.dispatch([job_id]))
    return moved
