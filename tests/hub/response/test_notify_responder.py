"""The notify responder end to end, from the agent's report and GitHub's signed webhook to Slack and
the pull request, both faked at the HTTP boundary: one Slack message and one comment per run attempt,
the comment edited in place by later runs, nothing sent twice, a failed send recorded on the fix job
(retried, after Slack's Retry-After, or failed for good) and never in the pipeline's way, and the
webhook URL kept secret."""

from __future__ import annotations

import json
import logging

import pytest
from django.core import mail
from django.utils import timezone

from hub.response.models import Effect, EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs
from tests.hub.conftest import case, report
from tests.hub.operations.conftest import GITHUB
from tests.hub.response.conftest import RUN_ID, SHA, completed

pytestmark = pytest.mark.django_db

WEBHOOK = "https://hooks.slack.com/services/T000/B000/s3cr3tT0k3n"
MASKED = "https://hooks.slack.com/.../****"
COMMENTS = f"{GITHUB}/repos/octo-org/octo-repo/issues/7/comments"
COMMENT = f"{GITHUB}/repos/octo-org/octo-repo/issues/comments/1"


def comment(body: str = "<!-- orchestrate:run-summary -->") -> dict:
    return {"id": 1, "body": body, "user": {"login": "orchestrate[bot]"},
            "html_url": "https://github.com/octo-org/octo-repo/pull/7#issuecomment-1"}  # fmt: skip


@pytest.fixture
def notifying(octo, octo_agent, api):
    """Slack and the pull-request comment on; Slack answers ok, GitHub keeps one comment."""
    store.save(octo, {"notify": {"slack_webhook_url": WEBHOOK, "pull_request_comment": True}})
    api.post(WEBHOOK, body="ok")
    api.get(COMMENTS, json=[])
    api.post(COMMENTS, status=201, json=comment())
    api.patch(COMMENT, json=comment())
    return octo


def pull_request_run(agent, sender, commit, *, run_id: int = RUN_ID, failing=("test_new",), delivery=None):
    """Run ``run_id`` of pull request #7 reported by the agent, then completed by GitHub's webhook."""
    cases = [case(name, "failed", message="AssertionError: no") for name in failing] + [case("test_ok")]
    doc = report(*cases, run_id=str(run_id), sha=SHA, job="build", pull_request=7, base_branch="master")
    with commit():
        assert agent.post_report(doc).status_code == 201
    payload = completed("failure" if failing else "success")
    payload["workflow_run"].update(id=run_id, pull_requests=[{"number": 7, "base": {"ref": "master"}}])
    response = sender.github("workflow_run", payload, delivery=delivery)
    assert response.status_code in (200, 202), response.content
    return response


def calls(api, method: str, url: str) -> list:
    return [c for c in api.calls if c.request.method == method and c.request.url.split("?")[0] == url]


def test_a_failed_pull_request_run_sends_one_slack_message_and_one_comment(
    notifying, octo_agent, sender, run_tasks, api
):
    pull_request_run(octo_agent, sender, run_tasks)

    (posted,) = calls(api, "POST", WEBHOOK)
    message = json.loads(posted.request.body)
    assert message["text"].startswith(f"octo-org/octo-repo: test run {RUN_ID} on pull request #7: failure")
    assert "tests.test_widgets.test_new" in json.dumps(message["blocks"])
    (created,) = calls(api, "POST", COMMENTS)
    assert json.loads(created.request.body)["body"].startswith("<!-- orchestrate:run-summary -->")
    job = FixJob.objects.get(responder="notify")
    assert (job.key, job.state) == (f"notify:{RUN_ID}:1", FixState.SUCCEEDED)
    assert sorted(job.effects.values_list("kind", "state")) == [("comment", "done"), ("slack", "done")]


def test_a_second_run_of_the_same_pull_request_edits_the_same_comment(
    notifying, octo_agent, sender, run_tasks, api
):
    pull_request_run(octo_agent, sender, run_tasks)

    pull_request_run(octo_agent, sender, run_tasks, run_id=RUN_ID + 1, failing=())

    assert len(calls(api, "POST", COMMENTS)) == 1
    (edited,) = calls(api, "PATCH", COMMENT)
    assert "No failed test." in json.loads(edited.request.body)["body"]
    assert len(calls(api, "POST", WEBHOOK)) == 1  # the green run is not announced on Slack
    assert Effect.objects.filter(kind="comment").count() == 1


def test_a_redelivered_webhook_and_a_replayed_upload_send_nothing_again(
    notifying, octo_agent, sender, run_tasks, api
):
    pull_request_run(octo_agent, sender, run_tasks, delivery="d-1")

    pull_request_run(octo_agent, sender, run_tasks, delivery="d-1")
    pull_request_run(octo_agent, sender, run_tasks, delivery="d-2")

    assert len(calls(api, "POST", WEBHOOK)) == 1
    assert len(calls(api, "POST", COMMENTS)) == 1
    assert not calls(api, "PATCH", COMMENT)
    assert FixJob.objects.filter(responder="notify").count() == 1


def test_slack_rate_limiting_holds_the_job_back_for_retry_after_then_sends_only_what_is_missing(
    notifying, octo_agent, sender, run_tasks, api
):
    api.replace("POST", WEBHOOK, status=429, body="rate_limited", headers={"Retry-After": "600"})
    before = timezone.now()

    pull_request_run(octo_agent, sender, run_tasks)

    job = FixJob.objects.get(responder="notify")
    assert (job.state, job.attempts) == (FixState.PENDING, 1)
    assert (job.next_attempt_at - before).total_seconds() >= 600
    api.replace("POST", WEBHOOK, body="ok")
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())

    assert fix_jobs.perform(job.pk) == FixState.SUCCEEDED
    assert len(calls(api, "POST", WEBHOOK)) == 2
    assert len(calls(api, "POST", COMMENTS)) == 1  # the comment went out on the first attempt


def test_a_slack_refusal_fails_the_job_once_and_names_slacks_reason(
    notifying, octo_agent, sender, run_tasks, api
):
    api.replace("POST", WEBHOOK, status=400, body="no_text")

    pull_request_run(octo_agent, sender, run_tasks)

    job = FixJob.objects.get(responder="notify")
    assert (job.state, job.attempts) == (FixState.FAILED, 1)
    assert "Slack refused the message: 400 no_text" in job.events.last().reason
    assert Effect.objects.get(kind="slack").state == EffectState.FAILED
    assert len(calls(api, "POST", COMMENTS)) == 1  # the other channels are not held back


def test_an_unreachable_slack_never_fails_the_pipeline_nor_shows_the_webhook_url(
    octo, octo_agent, sender, run_tasks, api, caplog
):
    store.save(octo, {"notify": {"slack_webhook_url": WEBHOOK}})  # nothing registered: Slack unreachable
    caplog.set_level(logging.DEBUG)

    pull_request_run(octo_agent, sender, run_tasks)

    job = FixJob.objects.get(responder="notify")
    assert (job.state, job.run.status) == (FixState.PENDING, "completed")
    assert MASKED in job.last_error
    recorded = [caplog.text, job.last_error, *job.events.values_list("reason", flat=True)]
    recorded += [json.dumps(e.detail) for e in Effect.objects.all()]
    recorded += [json.dumps(e.detail) for e in job.events.all()]
    assert all("s3cr3tT0k3n" not in text for text in recorded)


def test_each_address_gets_its_email_once(octo, octo_agent, sender, run_tasks, api, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    store.save(octo, {"notify": {"emails": ["dev@example.com", "lead@example.com"]}})

    pull_request_run(octo_agent, sender, run_tasks, delivery="d-1")
    pull_request_run(octo_agent, sender, run_tasks, delivery="d-2")

    assert sorted(m.to[0] for m in mail.outbox) == ["dev@example.com", "lead@example.com"]


def test_nobody_hears_of_a_run_the_policy_does_not_select(octo, octo_agent, sender, run_tasks, api):
    store.save(octo, {"notify": {"slack_webhook_url": WEBHOOK, "when": ["default_branch_failure"]}})

    pull_request_run(octo_agent, sender, run_tasks)

    assert not FixJob.objects.filter(responder="notify").exists()
    assert not api.calls


def test_an_older_run_retried_late_leaves_the_comment_of_a_newer_run(
    notifying, octo_agent, sender, run_tasks, api
):
    api.replace("POST", COMMENTS, status=502, json={"message": "Server Error"})
    pull_request_run(octo_agent, sender, run_tasks)
    older = FixJob.objects.get(responder="notify")
    assert older.state == FixState.PENDING
    api.replace("POST", COMMENTS, status=201, json=comment())
    pull_request_run(octo_agent, sender, run_tasks, run_id=RUN_ID + 1)
    FixJob.objects.filter(pk=older.pk).update(next_attempt_at=timezone.now())

    assert fix_jobs.perform(older.pk) == FixState.SUCCEEDED

    assert not calls(api, "PATCH", COMMENT)
    assert "comment left as it is: it summarises a newer run" in older.events.last().reason


def test_a_refused_slack_message_is_not_sent_again_when_the_job_retries_for_another_channel(
    notifying, octo_agent, sender, run_tasks, api
):
    api.replace("POST", WEBHOOK, status=404, body="channel_not_found")
    api.replace("POST", COMMENTS, status=502, json={"message": "Server Error"})
    pull_request_run(octo_agent, sender, run_tasks)
    job = FixJob.objects.get(responder="notify")
    assert job.state == FixState.PENDING
    api.replace("POST", COMMENTS, status=201, json=comment())
    FixJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())

    assert fix_jobs.perform(job.pk) == FixState.FAILED

    assert len(calls(api, "POST", WEBHOOK)) == 1
    assert len(calls(api, "POST", COMMENTS)) == 2
    assert "channel_not_found" in job.events.last().reason
