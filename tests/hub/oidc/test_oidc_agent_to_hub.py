"""End to end: the real agent (``orchestrate report``, in-process) on a faked GitHub Actions runner asks
GitHub's token service for an ID token with the hub's URL as audience, and uploads with it to a live hub,
which verifies it against the (faked) issuer's keys. No agent token anywhere."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from agent.cli import main
from hub.runs.models import Run
from tests.hub.oidc.conftest import github_claims

pytestmark = pytest.mark.django_db(transaction=True)

REQUEST_URL = (
    "https://pipelinesghubeus2.actions.githubusercontent.com/Xy12/00000000-0000-0000-0000-000000000000"
    "/_apis/distributedtask/hubs/Actions/plans/1b2c/jobs/3d4e/idtoken?api-version=2.0"
)
REQUEST_TOKEN = "runtime-request-token"
JUNIT = '<testsuite name="s"><testcase classname="tests.test_x" name="test_ok"/></testsuite>'


@pytest.fixture
def runner(tmp_path: Path, live_server, http, github_issuer, settings) -> dict[str, str]:
    """The environment of a GitHub Actions job with `permissions: id-token: write`."""
    settings.OIDC_AUDIENCES = [live_server.url]
    http.add_passthru(live_server.url)

    def mint(request):
        assert request.headers["Authorization"] == f"bearer {REQUEST_TOKEN}"
        audience = parse_qs(urlsplit(request.url).query)["audience"][0]
        token = github_issuer.sign(github_claims(run_id="7001", aud=audience))
        return 200, {"Content-Type": "application/json"}, f'{{"count": 1, "value": "{token}"}}'

    http.add_callback(responses.GET, REQUEST_URL.split("?")[0], callback=mint)
    (tmp_path / "junit.xml").write_text(JUNIT)
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_REPOSITORY": "acme/widgets",
        "GITHUB_RUN_ID": "7001",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_SHA": "b" * 40,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_JOB": "unit",
        "GITHUB_SERVER_URL": "https://github.com",
        "ACTIONS_ID_TOKEN_REQUEST_URL": REQUEST_URL,
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
        "ORCHESTRATE_HUB_URL": live_server.url,
        "ORCHESTRATE_SPOOL_DIR": str(tmp_path / "spool"),
    }


def test_the_agent_uploads_with_the_github_id_token_it_requests_itself(project, runner, tmp_path, capsys):
    status = main(["report", "--junit", str(tmp_path / "junit.xml"), "--strict"], runner)
    output = capsys.readouterr()
    assert status == 0, output
    run = Run.objects.get()
    assert (run.project, run.provider_run_id, run.tests) == (project, "7001", 1)
    mask = next(line for line in output.out.splitlines() if line.startswith("::add-mask::"))
    token = mask.removeprefix("::add-mask::")
    assert output.out.splitlines()[0] == mask  # masked before anything else is printed
    assert token.count(".") == 2
    assert token not in output.err


def test_a_report_for_another_run_than_the_token_is_refused_by_the_hub(project, runner, tmp_path, capsys):
    status = main(["report", "--junit", str(tmp_path / "junit.xml"), "--run-id", "9999", "--strict"], runner)
    output = capsys.readouterr()
    assert status == 4  # HUB_REJECTED
    assert "403" in output.out + output.err
    assert Run.objects.count() == 0
