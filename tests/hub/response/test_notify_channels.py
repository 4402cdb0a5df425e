"""The channels at their services' HTTP boundary (``responses``) and Django's locmem mail backend: what
Slack's answers become (posted, wait, refused), one message a second per webhook, the webhook URL kept out
of errors, email per address, and the pull-request comment created once then edited by its marker on
GitHub and GitLab."""

from __future__ import annotations

import json
import socket
import time

import pytest
import responses
from django.core import mail

from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider
from hub.response.channels import email, pull_request, slack
from hub.response.services import effects
from hub.response.summary import FailureFact, RunHeader, summarise

WEBHOOK = "https://hooks.slack.com/services/T000/B000/s3cr3tT0k3n"
SUMMARY = summarise(
    RunHeader("acme/widgets", "42", 1, conclusion="failure", pull_request=7),
    [FailureFact("t1", "build", "new")],
)
ISSUE_COMMENTS = "https://api.github.com/repos/acme/widgets/issues/7/comments"
MR_NOTES = "https://gitlab.com/api/v4/projects/acme%2Fwidgets/merge_requests/7/notes"


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_slack_answering_ok_is_posted_with_the_text_and_blocks(api):
    api.post(WEBHOOK, body="ok")

    made = slack.send(WEBHOOK, slack.render(SUMMARY))

    assert made.detail == {"webhook": "https://hooks.slack.com/.../****", "said": "ok"}
    assert set(json.loads(api.calls[0].request.body)) == {"text", "blocks"}


def test_slack_rate_limiting_asks_to_retry_after_the_seconds_it_gives(api):
    api.post(WEBHOOK, status=429, body="rate_limited", headers={"Retry-After": "30"})

    with pytest.raises(effects.RetryLater) as later:
        slack.send(WEBHOOK, slack.render(SUMMARY))

    assert later.value.seconds == 30


@pytest.mark.parametrize(
    ("status", "said"), [(400, "no_text"), (400, "invalid_payload"), (404, "channel_not_found")]
)
def test_a_slack_refusal_is_final_and_names_slacks_reason(api, status, said):
    api.post(WEBHOOK, status=status, body=said)

    with pytest.raises(effects.Refused, match=said):
        slack.send(WEBHOOK, slack.render(SUMMARY))


def test_an_unreachable_webhook_is_reported_without_its_url(api):
    with pytest.raises(ConnectionError) as error:  # nothing registered: responses refuses the connection
        slack.send(WEBHOOK, slack.render(SUMMARY))

    assert "s3cr3tT0k3n" not in str(error.value)
    assert error.value.__suppress_context__


def test_a_second_message_to_the_same_webhook_waits_for_the_next_second(api):
    api.post(WEBHOOK, body="ok")
    slack.send(WEBHOOK, slack.render(SUMMARY))
    started = time.monotonic()

    slack.send(WEBHOOK, slack.render(SUMMARY))

    assert time.monotonic() - started >= 0.5
    assert len(api.calls) == 2


def test_a_message_that_cannot_get_its_turn_is_given_back(api):
    api.post(WEBHOOK, body="ok")
    slack.send(WEBHOOK, slack.render(SUMMARY))
    clock = iter([0.0, 10.0])

    with pytest.raises(effects.RetryLater):
        slack.send(WEBHOOK, slack.render(SUMMARY), sleep=lambda _: None, clock=lambda: next(clock))

    assert len(api.calls) == 1


def test_email_goes_to_one_address_with_text_and_html(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    email.send("dev@example.com", email.render(SUMMARY))

    (sent,) = mail.outbox
    assert (sent.to, sent.subject) == (["dev@example.com"], SUMMARY.title)
    assert sent.alternatives[0][1] == "text/html"


def github_comment(comment_id: int, body: str) -> dict:
    return {"id": comment_id, "body": body, "user": {"login": "orchestrate[bot]"},
            "html_url": f"https://github.com/acme/widgets/pull/7#issuecomment-{comment_id}"}  # fmt: skip


def test_github_comment_is_created_when_none_carries_the_marker(api):
    api.get(ISSUE_COMMENTS, json=[github_comment(1, "LGTM")])
    api.post(ISSUE_COMMENTS, status=201, json=github_comment(2, "new"))

    made = pull_request.send(GitHubProvider("acme/widgets", token="t"), 7, pull_request.render(SUMMARY))

    assert (made.external_id, made.detail) == ("2", {"last": "created"})


def test_github_comment_carrying_the_marker_is_edited_not_doubled(api):
    api.get(
        ISSUE_COMMENTS, json=[github_comment(1, "LGTM"), github_comment(5, f"{pull_request.MARKER}\nold")]
    )
    api.patch("https://api.github.com/repos/acme/widgets/issues/comments/5", json=github_comment(5, "new"))

    made = pull_request.send(GitHubProvider("acme/widgets", token="t"), 7, pull_request.render(SUMMARY))

    assert (made.external_id, made.detail) == ("5", {"last": "updated"})
    assert [call.request.method for call in api.calls] == ["GET", "PATCH"]


def test_a_deleted_comment_is_created_again(api):
    api.patch(
        "https://api.github.com/repos/acme/widgets/issues/comments/5",
        status=404,
        json={"message": "Not Found"},
    )
    api.get(ISSUE_COMMENTS, json=[])
    api.post(ISSUE_COMMENTS, status=201, json=github_comment(6, "new"))

    made = pull_request.send(GitHubProvider("acme/widgets", token="t"), 7, pull_request.render(SUMMARY), "5")

    assert made.external_id == "6"


def gitlab_note(note_id: int, body: str) -> dict:
    return {"id": note_id, "body": body, "system": False, "author": {"username": "orchestrate-bot"},
            "noteable_type": "MergeRequest", "noteable_iid": 7}  # fmt: skip


def test_gitlab_note_is_created_once_then_edited_in_place(api):
    client = GitLabProvider("acme/widgets", token="glpat")
    api.get(MR_NOTES, json=[])
    api.post(MR_NOTES, status=201, json=gitlab_note(9, pull_request.MARKER))
    api.put(f"{MR_NOTES}/9", json=gitlab_note(9, pull_request.MARKER))

    first = pull_request.send(client, 7, pull_request.render(SUMMARY))
    second = pull_request.send(client, 7, pull_request.render(SUMMARY), first.external_id)

    assert (first.external_id, second.external_id) == ("9", "9")
    assert [call.request.method for call in api.calls] == ["GET", "POST", "PUT"]


def test_a_webhook_host_refusing_the_connection_surely_posted_nothing():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # a port of ours nobody listens on: the connection is refused
    port = closed.getsockname()[1]
    try:
        with pytest.raises(effects.NotMade, match="unreachable"):
            slack.send(f"https://127.0.0.1:{port}/services/T0/B0/s3cr3tT0k3n", slack.render(SUMMARY))
    finally:
        closed.close()


def test_a_slack_server_error_surely_posted_nothing(api):
    api.post(WEBHOOK, status=500, body="rollup_error")

    with pytest.raises(effects.NotMade, match="Slack answered 500: rollup_error"):
        slack.send(WEBHOOK, slack.render(SUMMARY))


def test_a_malformed_webhook_address_is_still_shown_masked():
    assert slack.mask("https://TK\u00e4[") == "https://hooks.slack.com/.../****"
