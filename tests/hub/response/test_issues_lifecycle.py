"""The issues responder end to end, from the agent's reports and a signed webhook to a fake GitHub: a test
learned flaky gets one issue; more failures update it in place; marking the test fixed closes it; a
relapse reopens it. Never a second issue, whatever is replayed."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hub.flaky.models import TestHealth
from hub.flaky.services import quarantine
from hub.response.models import Effect, FixJob, FixState
from hub.response.policy import store
from hub.response.responders import issues
from hub.runs.models import Test
from tests.hub.conftest import case
from tests.hub.response.conftest import FLAKY, completed, learn_flaky, post, red_run
from tests.hub.response.fake_issues import fake_github_issues

pytestmark = pytest.mark.django_db

ISSUES_ON = {"issues": {"flaky": True, "broken": True}, "rerun": {"enabled": False}}


@pytest.fixture
def github(api):
    return fake_github_issues(api)


@pytest.fixture
def filed(octo, octo_agent, sender, run_tasks, github):
    """FLAKY learned flaky, then failing in the corpus's run, whose completion files its issue."""
    store.save(octo, ISSUES_ON)
    learn_flaky(octo_agent, run_tasks)
    red_run(octo_agent, run_tasks, FLAKY)
    sender.github("workflow_run", completed("failure"))
    return github


def relapse(agent, commit) -> None:
    """FLAKY fails and passes again on one commit after it was marked fixed: flaky again."""
    with commit():
        post(agent, case(FLAKY, "failed", message="AssertionError: timing"), run_id="88", sha="f" * 40)
    with commit():
        post(agent, case(FLAKY), run_id="88", attempt=2, sha="f" * 40)


def test_a_test_learned_flaky_gets_one_issue_when_a_run_completes(filed) -> None:
    issue = filed.one()
    assert issue["title"] == f"Flaky test: {Test.objects.get(name=FLAKY)}"
    assert issue["labels"] == ["flaky-test"]
    assert issue["state"] == "open"
    assert f"<!-- orchestrate:test:{Test.objects.get(name=FLAKY).pk} -->" in issue["body"]
    job = FixJob.objects.get(responder="issues")
    assert job.state == FixState.SUCCEEDED
    assert "opened issue #1" in job.events.last().reason


def test_the_issue_is_updated_in_place_when_the_test_fails_again(
    filed, octo_agent, sender, run_tasks
) -> None:
    red_run(octo_agent, run_tasks, FLAKY, attempt=2)
    sender.github("workflow_run", completed("failure", attempt=2))

    assert filed.writes == [("POST", 1), ("PATCH", 1)]
    assert filed.one()["body"].count("[run 289782451") == 2  # both failing attempts listed


def test_the_lifecycle_open_update_close_on_fixed_reopen_on_relapse(
    filed, octo_agent, sender, run_tasks
) -> None:
    red_run(octo_agent, run_tasks, FLAKY, attempt=2)
    sender.github("workflow_run", completed("failure", attempt=2))
    person = get_user_model().objects.create_user("maintainer")
    with run_tasks():
        quarantine.mark_fixed(Test.objects.get(name=FLAKY), reason="the timing is fixed", user=person)
        issues.sweep()
    assert filed.one()["state"] == "closed"

    relapse(octo_agent, run_tasks)
    assert TestHealth.objects.get(test__name=FLAKY).state == "flaky"
    with run_tasks():
        issues.sweep()

    assert filed.one()["state"] == "open"
    assert filed.writes == [("POST", 1), ("PATCH", 1), ("PATCH", 1), ("PATCH", 1)]
    assert Effect.objects.get(kind="issue").detail["state"] == "open"


def test_a_redelivered_webhook_and_a_replayed_upload_file_no_second_issue(
    filed, octo_agent, sender, run_tasks
) -> None:
    sender.github("workflow_run", completed("failure"))
    red_run(octo_agent, run_tasks, FLAKY)

    assert filed.one()["number"] == 1
    assert [w for w in filed.writes if w[0] == "POST"] == [("POST", 1)]


def test_a_lost_record_finds_the_issue_by_its_marker_instead_of_filing_another(
    filed, octo_agent, sender, run_tasks
) -> None:
    Effect.objects.filter(kind="issue").delete()  # the hub forgot the issue; GitHub did not

    red_run(octo_agent, run_tasks, FLAKY, attempt=2)
    sender.github("workflow_run", completed("failure", attempt=2))

    assert len(filed.issues) == 1
    assert filed.writes == [("POST", 1), ("PATCH", 1)]
    assert Effect.objects.get(kind="issue").external_id == "1"
