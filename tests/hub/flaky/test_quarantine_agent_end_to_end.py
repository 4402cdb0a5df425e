"""End to end: the real agent fetches the quarantine list from a live hub with its agent token, and
``--fail-on unquarantined`` passes a build whose only failure is quarantined, while the failure is still
uploaded and recorded. The agent's identity key matches the one the hub stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.cli import main
from hub.flaky.services.quarantine import quarantine
from hub.runs.models import Test, TestResult

pytestmark = pytest.mark.django_db(transaction=True)

FLAKY_FAILS = """<testsuite name="pytest">
<testcase classname="tests.test_x" name="test_races" file="tests/test_x.py" line="3">
<failure message="timed out">E timed out</failure></testcase>
<testcase classname="tests.test_x" name="test_ok" file="tests/test_x.py" line="9"/></testsuite>"""
BOTH_FAIL = FLAKY_FAILS.replace(
    "</testsuite>",
    '<testcase classname="tests.test_y" name="test_breaks" file="tests/test_y.py" line="5">'
    '<failure message="assert 1 == 2">E assert</failure></testcase></testsuite>',
)


def run_agent(live_server, agent_token, tmp_path: Path, run_id: str, report: str) -> int:
    path = tmp_path / f"report-{run_id}.xml"
    path.write_text(report)
    env = {
        "ORCHESTRATE_HUB_URL": live_server.url,
        "ORCHESTRATE_TOKEN": agent_token,
        "ORCHESTRATE_SPOOL_DIR": str(tmp_path / "spool"),
        "ORCHESTRATE_RUN_ID": run_id,
        "ORCHESTRATE_COMMIT_SHA": "e" * 40,
        "ORCHESTRATE_BRANCH": "main",
        "ORCHESTRATE_JOB_NAME": "unit",
    }
    return main(["report", "--junit", str(path), "--fail-on", "unquarantined"], env)


def test_a_quarantined_failure_is_recorded_but_does_not_fail_the_step(
    live_server, agent_token, owner, tmp_path, capsys
):
    assert run_agent(live_server, agent_token, tmp_path, "1", FLAKY_FAILS) != 0  # not quarantined yet
    quarantine(Test.objects.get(name="test_races"), reason="races on CI", user=owner)

    status = run_agent(live_server, agent_token, tmp_path, "2", FLAKY_FAILS)

    assert status == 0, capsys.readouterr()
    assert "FAILED (quarantined) tests.test_x.test_races" in capsys.readouterr().out
    recorded = TestResult.objects.filter(test__name="test_races", run__provider_run_id="2")
    assert list(recorded.values_list("status", flat=True)) == ["failed"]


def test_a_failure_outside_the_quarantine_still_fails_the_step(live_server, agent_token, owner, tmp_path):
    run_agent(live_server, agent_token, tmp_path, "1", FLAKY_FAILS)
    quarantine(Test.objects.get(name="test_races"), reason="races on CI", user=owner)

    assert run_agent(live_server, agent_token, tmp_path, "2", BOTH_FAIL) != 0


def test_the_hub_keys_tests_with_the_agents_function():
    from agent import identity as agent_identity
    from hub.runs.services import identity as hub_identity

    assert hub_identity.test_key is agent_identity.test_key


def test_the_key_the_agent_computes_is_the_one_the_hub_stored(live_server, agent_token, tmp_path):
    from agent.identity import case_key
    from agent.model import Status, TestCase

    run_agent(live_server, agent_token, tmp_path, "1", FLAKY_FAILS)

    case = TestCase("test_races", Status.FAILED, classname="tests.test_x", file="tests/test_x.py")
    assert bytes(Test.objects.get(name="test_races").key) == case_key(case)
