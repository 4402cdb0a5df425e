"""End to end: the real agent (`orchestrate report`, in-process) uploads to a live hub over HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from hub.runs.models import Artifact, Run, TestResult, Upload

pytestmark = pytest.mark.django_db(transaction=True)

SUREFIRE_FLAKY = """<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="org.acme.FlakyTest" tests="2" failures="0" errors="0" skipped="0">
  <testcase name="sometimes" classname="org.acme.FlakyTest" time="0.2">
    <flakyFailure message="expected:&lt;1&gt; but was:&lt;2&gt;" type="java.lang.AssertionError"
      >trace</flakyFailure>
  </testcase>
  <testcase name="always" classname="org.acme.FlakyTest" time="0.1"/>
</testsuite>
"""
FAILING = """<testsuite name="pytest">
<testcase classname="tests.test_x" name="test_bad" file="tests/test_x.py" line="3">
<failure message="assert 1 == 2">E assert 1 == 2</failure></testcase></testsuite>"""


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "TEST-flaky.xml").write_text(SUREFIRE_FLAKY)
    (tmp_path / "reports" / "failing.xml").write_text(FAILING)
    (tmp_path / "build.log").write_text("all good\n")
    return tmp_path


def env_for(live_server, agent_token, tmp_path) -> dict:
    return {
        "ORCHESTRATE_HUB_URL": live_server.url,
        "ORCHESTRATE_TOKEN": agent_token,
        "ORCHESTRATE_SPOOL_DIR": str(tmp_path / "spool"),
        "ORCHESTRATE_RUN_ID": "4242",
        "ORCHESTRATE_COMMIT_SHA": "d" * 40,
        "ORCHESTRATE_BRANCH": "main",
        "ORCHESTRATE_JOB_NAME": "unit",
    }


def test_the_agent_uploads_a_report_that_lands_with_every_attempt(live_server, agent_token, reports, capsys):
    env = env_for(live_server, agent_token, reports)
    status = main(["report", "--junit", str(reports / "reports" / "*.xml"), "--json"], env)
    assert status == 0, capsys.readouterr()
    run = Run.objects.get(provider_run_id="4242")
    assert (run.branch, run.commit_sha, run.tests, run.passed, run.failed, run.flaky) == (
        "main",
        "d" * 40,
        3,
        2,
        1,
        1,
    )
    attempts = list(
        TestResult.objects.filter(test__name="sometimes").order_by("attempt").values_list("status", flat=True)
    )
    assert attempts == ["failed", "passed"]


def test_reporting_the_same_job_twice_lands_once(live_server, agent_token, reports, capsys):
    env = env_for(live_server, agent_token, reports)
    main(["report", "--junit", str(reports / "reports" / "*.xml")], env)
    main(["report", "--junit", str(reports / "reports" / "*.xml")], env)
    assert (Upload.objects.count(), TestResult.objects.count()) == (1, 4)


def test_the_agent_fails_the_step_on_failures_when_asked(live_server, agent_token, reports, capsys):
    env = env_for(live_server, agent_token, reports)
    status = main(["report", "--junit", str(reports / "reports" / "*.xml"), "--fail-on", "failures"], env)
    assert status != 0
    assert TestResult.objects.filter(status="failed", final=True).count() == 1


def test_the_agent_uploads_artifacts_checked_against_their_digest(live_server, agent_token, reports, capsys):
    env = env_for(live_server, agent_token, reports)
    status = main(
        ["report", "--junit", str(reports / "reports" / "*.xml"), "--artifact", str(reports / "build.log")],
        env,
    )
    assert status == 0, capsys.readouterr()
    artifact = Artifact.objects.get()
    assert (artifact.name, artifact.size, artifact.run.provider_run_id) == ("build.log", 9, "4242")


def test_a_bad_token_is_reported_clearly_and_the_report_is_kept(live_server, reports, capsys):
    env = env_for(live_server, "orch_a_000000000000_wrong", reports)
    status = main(["report", "--junit", str(reports / "reports" / "*.xml"), "--json"], env)
    output = capsys.readouterr()
    assert status == 0  # fails open by default: the reporter does not break the build
    assert "401" in output.out + output.err or "token" in (output.out + output.err).lower()
    assert Run.objects.count() == 0
    assert any((reports / "spool").iterdir())
    json.loads(output.out)  # --json still prints one document
