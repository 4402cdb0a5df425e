"""Auto-fix with limits: a fix whose own run ends red goes back to the responder that wrote it (the
fixer, or the coding agent), up to its policy's rounds in all (``fixer.max_rounds``, ``agent.max_rounds``);
then one comment on its pull request asks a person, listing every round, and the job fails.

The bookkeeping is shared; what differs per responder is a ``Rounds``: where round 1 and later rounds are
recorded, which policy key bounds them, and how the next one starts. The fixer's round 1 is the first
dispatch (``fixer:dispatch:<job>``); each later round dispatches the fix workflow again on the fix branch
itself, with the red run as the failure to fix (``orchestrate fix --push`` then adds its commit to the
branch and the pull request stays the same). The coding agent's round 1 is its pull request
(``agent:pull_request:<job>``), and each later round gives the agent the red run's failure context
(``services/agent_pulls.py``). A later round is an ``effects.once`` effect keyed ``<later><n>`` that
names the red run that started it, so a redelivered webhook of that run starts nothing more; after a
crash, the provider (or the agent) is asked before anything is sent again. The asking comment is one
effect per job, found again by its marker after a crash. ``verify`` hands the job here in a task after
commit (``hand_off``), outside the pipeline's transaction so each effect's row is committed before its
call; ``fix_jobs.hold`` keeps it to one worker at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from agent.providers import ProviderError
from hub.integrations.clients import ClientUnavailable, client_for, provider_name
from hub.response.models import Effect, EffectState, FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.responders import fixer
from hub.response.services import effects, facts, fix_jobs
from hub.runs.models import Conclusion, Run

DISPATCH, ROUND, ASK = fixer.DISPATCH, ":round:", "fixer:rounds:ask:"


@dataclass(frozen=True)
class Rounds:
    """One responder's rounds: keys with ``{job}`` for the job's id; ``start`` begins round ``n`` after the
    red run (given the rounds done) and returns the job's state."""

    name: str  # who wrote the fix, in messages
    sent: str  # what a round without an address sent, in the list of rounds
    section: str  # the policy section whose ``max_rounds`` bounds the rounds
    first: str  # round 1's effect
    later: str  # later rounds' effects: this, then the round's number
    pull_request: str  # the pull request's effect
    ask: str  # the comment asking a person
    start: Callable[[FixJob, Run, int, list[Effect]], str]
    branch: Callable[[FixJob, Effect], str]  # the branch its pull request must bring ("": its own head)

    def limit(self, job: FixJob) -> int:
        return int(store.effective(job.project)[self.section]["max_rounds"])

    def key(self, job: FixJob, number: int) -> str:
        return self.first.format(job=job.pk) if number == 1 else f"{self.later.format(job=job.pk)}{number}"


def spec(job: FixJob) -> Rounds | None:
    """The rounds of ``job``'s responder; None for a responder that opens no pull request."""
    if job.responder == Responder.FIXER:
        return FIXER
    if job.responder != Responder.CODING_AGENT:
        return None
    from hub.response.services import agent_pulls  # it builds on this module

    return agent_pulls.ROUNDS


def pull_request(job: FixJob) -> Effect | None:
    """The pull request linked to ``job`` (its responder's effect), None before one is."""
    its = spec(job)
    if its is None:
        return None
    return job.effects.filter(key=its.pull_request.format(job=job.pk), state=EffectState.DONE).first()


def rounds(job: FixJob) -> list[Effect]:
    """The job's rounds that went, round 1 first."""
    its = spec(job)
    if its is None:
        return []
    first, later = its.first.format(job=job.pk), its.later.format(job=job.pk)
    made = job.effects.filter(Q(key=first) | Q(key__startswith=later), state=EffectState.DONE)
    found = [effect for effect in made if effect.key == first or effect.key[len(later) :].isdigit()]
    return sorted(found, key=lambda effect: 1 if effect.key == first else int(effect.key[len(later) :]))


def after_run(job: FixJob, run: Run) -> None:
    """A completed run of the job's pull request (or fix branch): red, the next round or a person asked
    (in a task), unless it is a re-run asked to prove a flaky fix (the merge decision asks a person then);
    green, the merge decision when ``merge.enabled`` is on (in a task), else the job
    succeeds. One path for every responder's pull request."""
    from hub.response.services import flaky_proof, merging  # they build on this module

    proving = flaky_proof.rerun_of(job, run) and merging.wanted(job)  # a red proof re-run: the decision asks
    if run.conclusion != Conclusion.SUCCESS and not proving:
        hand_off(job, run)
    elif merging.wanted(job):
        merging.hand_off(job, run)
    else:
        passed = f"the fix's run on {run.branch or f'pull request {run.pull_request}'} passed"
        fix_jobs.verify(job, fix_jobs.Outcome(FixState.SUCCEEDED, passed, {"run": run.pk}))


def hand_off(job: FixJob, run: Run) -> None:
    """Decide after commit, in a task: the pipeline runs in a transaction, and an effect's row must be
    committed before its call."""
    from django.db import transaction
    from django_q.tasks import async_task

    job_id, run_id = job.pk, run.pk
    transaction.on_commit(
        lambda: async_task("hub.response.tasks.fix_round", job_id, run_id, task_name=f"fix-round-{job_id}")
    )


def settle(job_id: int, run_id: int) -> str:
    """The next round or a person asked, for fix job ``job_id`` after its red run ``run_id``; its state."""
    job = FixJob.objects.select_related("project").filter(pk=job_id).first()
    run = Run.objects.filter(pk=run_id).first()
    if job is None or run is None or job.state != FixState.AWAITING_VERIFICATION:
        return job.state if job is not None else "missing"
    if not fix_jobs.hold(job):
        return job.state  # another worker settles it now
    try:
        return after_red(job, run)
    finally:
        fix_jobs.release(job)


def after_red(job: FixJob, run: Run) -> str:
    """The fix's run ``run`` ended red: start the next round, or ask a person when the policy's rounds
    are spent (and fail the job); the job's state."""
    its, done = spec(job), rounds(job)
    if its is None:
        return job.state  # nothing to send back to
    if any(effect.detail.get("after_run") == run.pk for effect in done):
        return job.state  # this red run already started its round (a redelivered webhook)
    limit = its.limit(job)
    if len(done) >= limit:
        return _ask(job, run, done, limit, its)
    return its.start(job, run, len(done) + 1, done)


def _dispatch(job: FixJob, run: Run, number: int, done: list[Effect]) -> str:
    """The fixer's next round: the fix workflow dispatched again on the fix branch."""
    rules = store.effective(job.project)["fixer"]
    ref = fixer.branch(job)
    inputs = {**rules["inputs"], "run": str(run.pk), "fix_job": str(job.pk), "hub_url": settings.SITE_URL}

    def call() -> effects.Made:
        detail = {"workflow": rules["workflow"], "ref": ref, "after_run": run.pk, "round": number}
        return fixer.trigger(client, rules["workflow"], ref, inputs, detail)

    def check() -> effects.Made | None:
        """Whether an earlier attempt's dispatch went: on GitHub, a run on the branch titled for the job
        that no earlier round started (the shipped workflow's run-name); elsewhere it is not sent again."""
        if provider_name(job.project) not in fixer.TITLED_RUNS:
            raise effects.Refused(
                f"round {number}'s dispatch may have reached the provider, whose runs do not show which fix "
                f"job they are for; it is not sent again: start the fix workflow on {ref} if it did not run"
            )
        known = {effect.external_id for effect in done}
        title = re.compile(rf"\bfix job #{job.pk}\b")
        for found in client.list_runs(workflow=rules["workflow"], branch=ref, limit=20):
            if found.id not in known and title.search(str(found.raw.get("display_title") or "")):
                return effects.Made(
                    found.id, found.url, {"after_run": run.pk, "round": number, "adopted": "run"}
                )
        return None

    try:
        client = client_for(job.project)
        effect, _ = effects.once(job, f"{DISPATCH}{job.pk}{ROUND}{number}", "fixer", call, check)
    except (effects.Refused, ClientUnavailable) as exc:
        reason = f"round {number} of the fix could not be dispatched: {exc}"
        fix_jobs.verify(job, fix_jobs.Outcome(FixState.FAILED, reason, {"run": run.pk}))
        return job.state
    except ProviderError as exc:  # no clear answer: the effect stays unknown, checked before any resend
        fix_jobs.note(job, f"round {number}'s dispatch got no clear answer ({exc}); the branch's next red "
                      "run checks for it before sending again, else the job fails at "
                      "rerun.verify_within_minutes", {"run": run.pk, "round": number})  # fmt: skip
        return job.state
    ended = run.conclusion or "without a conclusion"
    fix_jobs.note(job, f"the fix's run on {ref} ended {ended}; round {number} dispatched on {ref} with that "
                  "failure", {"run": run.pk, "effect": effect.pk, "round": number})  # fmt: skip
    return job.state


FIXER = Rounds("fixer", "the fix workflow", "fixer", f"{DISPATCH}{{job}}", f"{DISPATCH}{{job}}{ROUND}",
               f"{fixer.PULL_REQUEST}{{job}}", f"{ASK}{{job}}", _dispatch,
               lambda job, _pull: fixer.branch(job))  # fmt: skip


def _ask(job: FixJob, run: Run, done: list[Effect], limit: int, its: Rounds) -> str:
    """One comment on the pull request listing every round, then the job fails with that reason."""
    pull = pull_request(job)
    tried = summary(job, done, run, its)
    ended = run.conclusion or "without a conclusion"
    reason = (
        f"the fix's run on {run.branch} ended {ended} after {limit} round(s) ({its.section}.max_rounds); "
        "a person decides"
    )
    if pull is not None:
        number = int(pull.external_id)
        marker = f"<!-- orchestrate:fix-rounds:{job.pk} -->"
        body = (
            f"Orchestrate's {its.name} tried {len(done)} round(s) and the fix's CI is still red; a person "
            f"decides what to do with this pull request.\n\n{tried}\n\n{marker}"
        )
        try:
            client = client_for(job.project)

            def call() -> effects.Made:
                comment = client.create_comment(number, body)
                return effects.Made(comment.id, comment.url)

            def check() -> effects.Made | None:
                found = next((c for c in client.list_comments(number) if marker in c.body), None)
                return effects.Made(found.id, found.url) if found is not None else None

            effects.once(job, its.ask.format(job=job.pk), "comment", call, check)
        except (ProviderError, ClientUnavailable, effects.Refused) as exc:
            reason += f"; the pull request could not be commented on ({exc}): ask on it by hand"
    fix_jobs.verify(job, fix_jobs.Outcome(FixState.FAILED, reason, {"run": run.pk, "rounds": tried}))
    return job.state


def summary(job: FixJob, done: list[Effect], last: Run, its: Rounds) -> str:
    """Each round as one line: what was sent (the dispatch, the agent's run), and the red run that
    followed it."""
    reds = {effect.detail.get("after_run") for effect in done} | {last.pk}
    runs = {red.pk: red for red in Run.objects.filter(pk__in=[pk for pk in reds if pk is not None])}
    lines = []
    for index, effect in enumerate(done):
        following = done[index + 1].detail.get("after_run") if index + 1 < len(done) else last.pk
        red = runs.get(following)
        where = effect.external_url or f"{its.sent} (run {effect.external_id or 'unknown'})"
        failed = ", ".join(facts.failed_test_names(red)) if red is not None else ""
        outcome = (
            f"its run {red.url or red.provider_run_id} ended {red.conclusion or 'without a conclusion'}"
            + (f", failing {failed}" if failed else "")
            if red is not None
            else "its run is no longer kept"
        )
        lines.append(f"- round {index + 1}: {where}; {outcome}")
    return "\n".join(lines)
