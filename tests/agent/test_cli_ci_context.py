"""``orchestrate ci context``: prints a run's failure context from the hub as Markdown or JSON, with the
``ci`` exit statuses and one-line errors saying what to do. The hub is faked at the HTTP boundary."""

from __future__ import annotations

import json

import pytest
import responses

from agent.cli import ExitStatus, main
from agent.commands.ci import context

HUB = "https://hub.example"
URL = f"{HUB}/api/v1/runs/42/context"
ENV = {"ORCHESTRATE_HUB_URL": HUB, "ORCHESTRATE_TOKEN": "orch_u_0123456789ab_secret"}
MARKDOWN = "# Failure context: acme/widgets run 1001\n\n## Failing tests\n"
DOCUMENT = {"run": {"id": 42, "project": "acme/widgets"}, "failures": [], "failures_not_shown": 0}


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]):
    """``run_cli(argv, env)``: ``orchestrate ci context ARGV`` in-process, without waiting between retries;
    returns (exit status, stdout, stderr)."""

    def invoke(argv: list[str], env: dict[str, str] = ENV) -> tuple[ExitStatus, str, str]:
        status = main(["ci", "context", *argv], env, sleep=lambda _: None)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return invoke


@responses.activate
def test_it_prints_the_hubs_markdown_asking_with_the_token(run_cli) -> None:
    responses.get(URL, body=MARKDOWN, content_type="text/markdown")

    status, out, _ = run_cli(["42"])

    assert (status, out) == (ExitStatus.OK, MARKDOWN)
    request = responses.calls[0].request
    assert request.headers["Accept"] == "text/markdown"
    assert request.headers["Authorization"] == "Bearer orch_u_0123456789ab_secret"


@responses.activate
def test_json_prints_the_hubs_document(run_cli) -> None:
    responses.get(URL, json=DOCUMENT)

    status, out, _ = run_cli(["--run", "42", "--json"])

    assert status is ExitStatus.OK
    assert json.loads(out) == DOCUMENT
    assert responses.calls[0].request.headers["Accept"] == "application/json"


@responses.activate
def test_what_it_prints_is_redacted_even_if_the_hub_did_not(run_cli) -> None:
    responses.get(URL, body="token ghp_" + "x" * 36 + "\n", content_type="text/markdown")

    _, out, _ = run_cli(["42"])

    assert out == "token ghp_[REDACTED]\n"


@responses.activate
def test_a_refused_token_exits_4_with_what_to_set(run_cli) -> None:
    responses.get(
        URL, status=401, json={"error": {"code": "authentication_failed", "message": "Invalid token."}}
    )

    status, _, err = run_cli(["42"])

    assert status is ExitStatus.AUTH_REQUIRED
    assert err.splitlines() == [
        "error: the hub refused (401): Invalid token.",
        f"hint: {context.AUTH_HINT}",
    ]


@responses.activate
def test_a_run_the_token_cannot_see_exits_1_and_says_the_id_is_the_hubs(run_cli) -> None:
    responses.get(URL, status=404, json={"error": {"code": "not_found", "message": "Not found."}})

    status, _, err = run_cli(["42"])

    assert status is ExitStatus.RUN_FAILED
    assert "hint: no run 42 at https://hub.example that this token may read" in err


@responses.activate
def test_an_unreachable_hub_exits_1_after_its_retries(run_cli) -> None:
    responses.get(URL, status=503, json={"error": {"code": "unavailable", "message": "down"}})

    status, _, err = run_cli(["42", "--retries", "1"])

    assert status is ExitStatus.RUN_FAILED
    assert len(responses.calls) == 2
    assert "error: the hub answered 503: down (after 2 tries)" in err


def test_without_a_token_it_exits_4_before_asking(run_cli) -> None:
    status, _, err = run_cli(["42"], {"ORCHESTRATE_HUB_URL": HUB})

    assert status is ExitStatus.AUTH_REQUIRED
    assert err.splitlines()[0] == f"error: no token for the hub at {HUB}"


def test_without_a_hub_it_is_a_usage_error_naming_the_setting(run_cli) -> None:
    status, _, err = run_cli(["42"], {"ORCHESTRATE_TOKEN": "orch_a_x"})

    assert (status, err) == (
        ExitStatus.USAGE,
        "error: no hub to ask: pass --hub URL or set ORCHESTRATE_HUB_URL\n",
    )


def test_a_run_id_that_is_not_the_hubs_number_is_a_usage_error(run_cli) -> None:
    status, _, err = run_cli(["run-7"])

    assert status is ExitStatus.USAGE
    assert "expected the hub's run id, a whole number" in err


def test_no_run_id_is_a_usage_error_saying_where_ids_are_listed(run_cli) -> None:
    status, _, err = run_cli([])

    assert status is ExitStatus.USAGE
    assert "GET /api/v1/runs/?project=OWNER/NAME" in err
