"""The notify responder: tell people about a completed run, once per run attempt, on the channels the
policy names (``notify.slack_webhook_url``, ``notify.emails`` for the runs ``notify.when`` selects, and
``notify.pull_request_comment`` for every run of a pull request).

One fix job per run attempt (``notify:<provider run id>:<attempt>``); each delivery inside it is an
effect keyed per (run attempt, channel, target), so a retried job sends only what has not gone out. The
pull-request comment's effect is keyed per pull request: the first run creates the comment, later runs
edit it in place. What is said is built when the job runs, from the run's analysed failures
(``services/summaries.py``). A delivery that fails never touches the analysis pipeline: it is recorded
on the fix job, which retries with its backoff (never sooner than a ``Retry-After``) and ends failed
when a service refused for sure, dead when attempts run out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from agent.providers import Comment, ProviderError
from hub.integrations.clients import client_for
from hub.response.channels import email, pull_request, slack
from hub.response.models import Effect, EffectState, FixJob, FixState, Responder
from hub.response.policy import store
from hub.response.responders.rerun import REFUSALS
from hub.response.services import effects, facts, fix_jobs, summaries
from hub.response.summary import RunSummary, audience
from hub.runs.models import Run, RunStatus

log = logging.getLogger(__name__)

KIND = Responder.NOTIFY
T = TypeVar("T")


def key(run: Run) -> str:
    return f"notify:{run.provider_run_id}:{run.attempt}"


def consider(run: Run, policy: dict[str, Any], *, besides_upload: int | None = None) -> FixJob | None:
    if (
        run.status != RunStatus.COMPLETED
        or FixJob.objects.filter(project=run.project_id, key=key(run)).exists()
        or facts.analysis_pending(run, besides=besides_upload)  # decided once every upload is analysed
    ):
        return None
    deliveries, reason = audience(summaries.run_summary(run), policy["notify"])
    if not deliveries:
        log.info("run %s attempt %s: nobody notified: %s", run.provider_run_id, run.attempt, reason)
        return None
    detail = {"deliveries": [str(d) for d in deliveries]}
    return fix_jobs.open_job(run.project_id, KIND, key(run), reason, detail, run=run)


def act(job: FixJob) -> fix_jobs.Outcome:
    run = job.run
    if run is None:
        return fix_jobs.Outcome(FixState.FAILED, "the run was pruned before anyone was notified")
    summary = summaries.run_summary(run)
    deliveries, _ = audience(summary, store.effective(run.project)["notify"])
    sent, refused, unsettled, wait = [], [], [], 0.0
    for delivery in deliveries:
        try:
            sent.append(f"{delivery}: {DELIVER[delivery.channel](job, run, summary, delivery.target)}")
        except effects.Refused as refusal:
            refused.append(f"{delivery}: {refusal}")
        except effects.RetryLater as later:
            unsettled.append(f"{delivery}: {later}")
            wait = max(wait, later.seconds)
        except Exception as exc:
            unsettled.append(f"{delivery}: {type(exc).__name__}: {exc}")
    if unsettled:  # the others are done and are not sent again when the job is retried
        raise effects.RetryLater("; ".join(unsettled), wait)
    detail = {"sent": sent, "refused": refused}
    if refused:
        return fix_jobs.Outcome(FixState.FAILED, "refused: " + "; ".join(refused), detail)
    return fix_jobs.Outcome(FixState.SUCCEEDED, "sent: " + ("; ".join(sent) or "nothing to send"), detail)


def _slack(job: FixJob, run: Run, summary: RunSummary, url: str) -> str:
    message = slack.render(summary)
    made = message_once(job, slack.key(run.pk, url), "slack", lambda: slack.send(url, message))
    return "posted" if made else "already posted"


def _email(job: FixJob, run: Run, summary: RunSummary, address: str) -> str:
    message = email.render(summary)
    made = message_once(job, email.key(run.pk, address), "email", lambda: email.send(address, message))
    return "sent" if made else "already sent"


def message_once(job: FixJob, key: str, kind: str, send: Callable[[], effects.Made]) -> bool:
    """A message of this run attempt, sent unless it went out or was refused for sure by an earlier
    attempt of the job (a refusal is final: the job is retried for the other deliveries only). Slack
    and mail servers cannot be asked whether a message arrived, so a message is sent again only when
    the earlier try surely sent nothing (``effects.NotMade``: no connection, or an error answer); after
    a try whose answer was lost (a worker killed, a timeout) it is never sent twice: the delivery is
    recorded as refused, saying so, for a person to look."""
    refused = Effect.objects.filter(key=key, state=EffectState.FAILED).values_list("detail", flat=True)
    for detail in refused:
        raise effects.Refused(f"refused on an earlier attempt: {detail.get('error', '')}", detail)

    def check() -> effects.Made | None:
        if Effect.objects.filter(key=key, detail__not_made=True).exists():
            return None
        raise effects.Refused(
            f"an earlier attempt may have sent it and {kind} cannot be asked whether it arrived, so it "
            "is not sent again; check the channel"
        )

    _, made = effects.once(job, key, kind, send, check)
    return made


def _pull_request(job: FixJob, run: Run, summary: RunSummary, number: str) -> str:
    pr, message = int(number), pull_request.render(summary)
    client = _refusing(lambda: client_for(run.project))
    effect, made = effects.once(
        job,
        pull_request.key(run.project_id, pr),
        "comment",
        lambda: _refusing(lambda: pull_request.send(client, pr, message)),
        lambda: _refusing(lambda: _found(pull_request.find(client, pr))),
    )
    if not made:
        if effect.detail.get("summarised_run_at", "") > run.created_at.isoformat():
            return "comment left as it is: it summarises a newer run"
        effects.revise(effect, _refusing(lambda: pull_request.send(client, pr, message, effect.external_id)))
    effects.revise(
        effect, effects.Made(detail={"run": run.pk, "summarised_run_at": run.created_at.isoformat()})
    )
    return f"comment {'created' if made else 'updated'} {effect.external_url}".strip()


def _refusing(call: Callable[[], T]) -> T:
    """``call``, with the provider's sure refusals (no token, forbidden, no such pull request, a CI
    without comments) as ``effects.Refused``: trying again would change nothing."""
    try:
        return call()
    except ProviderError as error:
        status = error.status or 0
        if type(error).__name__ in REFUSALS or (400 <= status < 500 and status != 429):
            raise effects.Refused(str(error), {"status": status}) from error
        raise


def _found(comment: Comment | None) -> effects.Made | None:
    return None if comment is None else effects.Made(comment.id, comment.url, {"adopted": True})


DELIVER: dict[str, Callable[[FixJob, Run, RunSummary, str], str]] = {
    "slack": _slack,
    "email": _email,
    "pull_request": _pull_request,
}


def verify(run: Run, *, besides_upload: int | None = None) -> None:
    """Nothing awaits a later run: a notification is settled when it is sent."""
