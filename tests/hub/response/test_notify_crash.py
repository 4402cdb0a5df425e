"""A worker killed while Slack, the mail server or GitHub is answering never sends a second message or
comment: the delivery's effect, recorded before the call, is found by the next attempt. A comment is
looked up by its marker and adopted; a message (which Slack and mail servers cannot be asked about) is
not sent again, the job saying so; only a try that surely sent nothing (an error answer) is repeated."""

from __future__ import annotations

import json
import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.responders import notify
from hub.response.services import fix_jobs
from hub.runs.models import Run
from tests.hub.response.conftest import RUN_ID
from tests.hub.response.test_crash_recovery import WorkerKilled
from tests.hub.response.test_notify_responder import (
    COMMENT,
    COMMENTS,
    WEBHOOK,
    calls,
    comment,
    pull_request_run,
)

pytestmark = pytest.mark.django_db

ADDRESS = "dev@example.com"


@pytest.fixture
def notify_job(octo, octo_agent, sender, run_tasks, django_capture_on_commit_callbacks) -> FixJob:
    """A notify job for the corpus's failed pull-request run, on Slack, email and the pull request,
    opened and not yet handed to a worker."""
    pull_request_run(octo_agent, sender, run_tasks)  # completed while nobody was to be notified
    policy = {"slack_webhook_url": WEBHOOK, "emails": [ADDRESS], "pull_request_comment": True}
    store.save(octo, {"notify": policy})
    with django_capture_on_commit_callbacks(execute=False):
        job = notify.consider(Run.objects.get(provider_run_id=str(RUN_ID)), store.effective(octo))
    assert job is not None
    return job


@pytest.fixture
def github_comments(api) -> list[dict]:
    """GitHub's pull-request comments: created ones are listed from then on."""
    kept: list[dict] = []

    def create(request):
        kept.append(comment(json.loads(request.body)["body"]))
        return 201, {}, json.dumps(kept[-1])

    api.add_callback("GET", COMMENTS, callback=lambda request: (200, {}, json.dumps(kept)))
    api.add_callback("POST", COMMENTS, callback=create)
    api.patch(COMMENT, json=comment())
    return kept


@pytest.fixture
def outbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


class KilledWhileSending(EmailBackend):
    """The mail server takes the message; the worker dies before the answer is recorded."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise WorkerKilled


class RefusesDataOnce(EmailBackend):
    """The mail server answers 451 to the message's data the first time (it did not take it)."""

    refused = 0

    def send_messages(self, messages):
        if RefusesDataOnce.refused == 0:
            RefusesDataOnce.refused += 1
            raise smtplib.SMTPDataError(451, b"4.3.0 try again later")
        return super().send_messages(messages)


def killed_attempt(job: FixJob) -> None:
    """The worker dies mid-call; its lease runs out and the resume pass takes the job back."""
    with pytest.raises(WorkerKilled):
        fix_jobs.perform(job.pk)
    fix_jobs.resume(now=timezone.now() + fix_jobs.lease() + timedelta(seconds=1))
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())


def dying(seen: list):
    """An answer the worker never reads: the request arrives, then the worker is killed."""

    def callback(request):
        seen.append(request)
        raise WorkerKilled

    return callback


def test_a_worker_killed_while_slack_answers_never_posts_a_second_message(
    notify_job, api, github_comments, outbox
):
    posted = []
    api.add_callback("POST", WEBHOOK, callback=dying(posted))
    killed_attempt(notify_job)
    assert notify_job.effects.get(kind="slack").state == EffectState.INTENDED

    assert fix_jobs.perform(notify_job.pk) == FixState.FAILED

    assert len(posted) == 1
    reason = notify_job.events.last().reason
    assert "an earlier attempt may have sent it and slack cannot be asked" in reason
    assert (len(github_comments), len(outbox)) == (1, 1)  # the other deliveries went out


def test_a_slack_error_answer_surely_posted_nothing_so_the_next_attempt_posts_it(
    notify_job, api, github_comments, outbox
):
    api.post(WEBHOOK, status=503, body="service_unavailable")
    assert fix_jobs.perform(notify_job.pk) == FixState.PENDING
    api.replace("POST", WEBHOOK, body="ok")
    FixJob.objects.filter(pk=notify_job.pk).update(next_attempt_at=timezone.now())

    assert fix_jobs.perform(notify_job.pk) == FixState.SUCCEEDED

    assert [c.response.status_code for c in calls(api, "POST", WEBHOOK)] == [503, 200]
    assert notify_job.effects.get(kind="slack").detail["not_made"] is False


def test_a_worker_killed_while_github_creates_the_comment_adopts_it_by_its_marker(
    notify_job, api, github_comments, outbox
):
    api.post(WEBHOOK, body="ok")
    created = github_comments.append

    def create_then_die(request):
        created(comment(json.loads(request.body)["body"]))
        raise WorkerKilled

    api.remove("POST", COMMENTS)  # the fixture's create, replaced by one the worker dies in
    api.add_callback("POST", COMMENTS, callback=create_then_die)
    killed_attempt(notify_job)

    assert fix_jobs.perform(notify_job.pk) == FixState.SUCCEEDED

    assert len(github_comments) == 1
    assert len(calls(api, "POST", COMMENTS)) == 1
    effect = notify_job.effects.get(kind="comment")
    assert (effect.state, effect.detail["adopted"]) == (EffectState.DONE, True)


def test_a_worker_killed_while_the_mail_server_answers_never_sends_a_second_mail(
    notify_job, api, github_comments, outbox, settings
):
    api.post(WEBHOOK, body="ok")
    settings.EMAIL_BACKEND = f"{__name__}.KilledWhileSending"
    killed_attempt(notify_job)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert fix_jobs.perform(notify_job.pk) == FixState.FAILED

    assert len(outbox) == 1
    assert "an earlier attempt may have sent it and email cannot be asked" in notify_job.events.last().reason


def test_a_mail_the_server_did_not_take_is_sent_on_the_next_attempt(
    notify_job, api, github_comments, outbox, settings
):
    api.post(WEBHOOK, body="ok")
    settings.EMAIL_BACKEND = f"{__name__}.RefusesDataOnce"
    RefusesDataOnce.refused = 0
    assert fix_jobs.perform(notify_job.pk) == FixState.PENDING
    FixJob.objects.filter(pk=notify_job.pk).update(next_attempt_at=timezone.now())

    assert fix_jobs.perform(notify_job.pk) == FixState.SUCCEEDED

    assert [m.to for m in outbox] == [[ADDRESS]]
