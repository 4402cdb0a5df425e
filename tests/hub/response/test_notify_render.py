"""Each channel renders the same run summary in its own form: pure functions, no service called."""

from __future__ import annotations

from hub.response.channels import email, pull_request, slack
from hub.response.summary import FailureFact, RunHeader, summarise

HEADER = RunHeader(
    "acme/widgets", "42", 1, url="https://github.com/acme/widgets/actions/runs/42", workflow="CI",
    commit="a" * 40, pull_request=7, conclusion="failure", tests=10, passed=8,
)  # fmt: skip
SUMMARY = summarise(
    HEADER, [FailureFact("tests.test_x.test_<a>", "build", "new"), FailureFact("t2", "lint", "", "flaky")]
)


def test_slack_has_a_plain_text_fallback_and_blocks():
    message = slack.render(SUMMARY)

    assert message.text.startswith("acme/widgets: CI run 42 on pull request #7: failure")
    assert "New failure: 1" in message.text
    assert [block["type"] for block in message.blocks] == ["section", "section", "context"]
    assert message.payload() == {"text": message.text, "blocks": message.blocks}


def test_slack_links_the_title_to_the_run_and_escapes_the_test_names():
    heading, listing = (block["text"]["text"] for block in slack.render(SUMMARY).blocks[:2])

    assert heading.startswith(f"*<{HEADER.url}|acme/widgets")
    assert "`tests.test_x.test_&lt;a&gt;` in build: new failure" in listing


def test_email_has_a_subject_a_text_body_and_an_escaped_html_alternative():
    message = email.render(SUMMARY)

    assert message.subject == SUMMARY.title
    assert "- tests.test_x.test_<a> in build: new failure" in message.text
    assert f"The run: {HEADER.url}" in message.text
    assert "<code>tests.test_x.test_&lt;a&gt;</code>" in message.html


def test_the_pull_request_comment_starts_with_the_hidden_marker_and_tabulates_the_failures():
    body = pull_request.render(SUMMARY).body

    assert body.startswith(pull_request.MARKER + "\n")
    assert "| `tests.test_x.test_<a>` | build | New failure |" in body
    assert "| `t2` | lint | Known flaky |" in body


def test_a_green_run_says_so_in_the_comment():
    body = pull_request.render(summarise(RunHeader("acme/widgets", "43", 1, conclusion="success"), [])).body

    assert "No failed test." in body


def test_the_webhook_url_is_shown_masked():
    assert slack.mask("https://hooks.slack.com/services/T000/B000/XXXX") == "https://hooks.slack.com/.../****"


def test_a_webhook_url_with_a_malformed_host_is_still_shown_masked():
    assert slack.mask("https://TK[") == "https://hooks.slack.com/.../****"
