"""Issues closed as "not a problem": a person closes an issue the hub filed while the hub still sees the
problem. The hub learns it from GitHub's ``issues`` event or GitLab's Issue Hook, records it on the issue,
leaves the issue closed, and takes it up again only after the problem clears and comes back."""

from __future__ import annotations

import copy

import pytest
from django.contrib.auth import get_user_model

from hub.flaky.services import quarantine
from hub.response.models import Effect
from hub.response.policy import store
from hub.response.responders import issues
from hub.runs.models import Test
from hub.webhooks.models import Delivery
from tests.hub.operations.conftest import corpus_api, give_token
from tests.hub.response import test_issues_lifecycle as lifecycle
from tests.hub.response.conftest import FLAKY, completed, red_run
from tests.hub.response.fake_issues import fake_gitlab_issues
from tests.hub.response.test_issues_responder import a_test, answer, judge
from tests.hub.webhooks.conftest import corpus_json, project_with_secret

pytestmark = pytest.mark.django_db

filed, github, relapse = lifecycle.filed, lifecycle.github, lifecycle.relapse  # the lifecycle's fixtures


def mark_fixed() -> None:
    person = get_user_model().objects.create_user("maintainer")
    quarantine.mark_fixed(Test.objects.get(name=FLAKY), reason="the timing is fixed", user=person)


def issue_event(action: str, number: int = 1, *, state_reason: str | None = "not_planned") -> dict:
    """GitHub's ``issues`` event: the corpus's issue, closed or reopened by octocat, in octo-org/octo-repo."""
    run = completed()
    issue = corpus_api("github/examples/issues__create.201.default.json")
    issue.pop("pull_request")
    issue.update(number=number, state="closed" if action == "closed" else "open", state_reason=state_reason)
    return {"action": action, "issue": issue, "repository": run["repository"], "sender": run["sender"]}


def gitlab_issue_hook(action: str, iid: int = 1) -> dict:
    """GitLab's Issue Hook for ``group/app`` (its shape from the merge-request hook's envelope)."""
    envelope = copy.deepcopy(corpus_json("gitlab/gitlab4j/merge-request-event.json"))
    return {
        "object_kind": "issue", "event_type": "issue", "user": envelope["user"],
        "project": {**envelope["project"], "path_with_namespace": "group/app"},
        "object_attributes": {"iid": iid, "state": "closed" if action == "close" else "opened",
                              "action": action},
    }  # fmt: skip


def the_issue() -> Effect:
    return Effect.objects.get(kind="issue")


def test_an_issue_a_person_closes_while_the_test_is_flaky_is_recorded_as_not_a_problem(filed, sender) -> None:
    filed.one()["state"] = "closed"
    sender.github("issues", issue_event("closed"))
    detail = the_issue().detail
    assert detail["state"] == "dismissed"
    assert detail["dismissals"][-1]["by"] == completed()["sender"]["login"]
    assert detail["dismissals"][-1]["reason"] == "not_planned"
    assert Delivery.objects.get(event="issues").status == "processed"


def test_a_dismissed_issue_is_not_reopened_when_the_test_fails_again(
    filed, sender, octo_agent, run_tasks
) -> None:
    filed.one()["state"] = "closed"
    sender.github("issues", issue_event("closed"))
    red_run(octo_agent, run_tasks, FLAKY, attempt=2)
    sender.github("workflow_run", completed("failure", attempt=2))
    assert filed.one()["state"] == "closed"
    assert filed.writes == [("POST", 1)]


def test_a_dismissed_issue_is_reopened_on_a_relapse_after_the_test_was_fixed(
    filed, sender, octo_agent, run_tasks
) -> None:
    filed.one()["state"] = "closed"
    sender.github("issues", issue_event("closed"))
    with run_tasks():
        mark_fixed()
        issues.sweep()
    assert the_issue().detail["state"] == "closed"

    relapse(octo_agent, run_tasks)
    with run_tasks():
        issues.sweep()
    assert filed.one()["state"] == "open"


def test_a_close_after_the_test_was_fixed_is_not_counted_as_not_a_problem(filed, sender, run_tasks) -> None:
    with run_tasks():
        mark_fixed()
    sender.github("issues", issue_event("closed", state_reason="completed"))
    assert the_issue().detail["state"] == "closed"
    assert "dismissals" not in the_issue().detail


def test_an_issue_a_person_reopens_is_kept_in_step_again(filed, sender, octo_agent, run_tasks) -> None:
    filed.one()["state"] = "closed"
    sender.github("issues", issue_event("closed"))
    filed.one()["state"] = "open"
    sender.github("issues", issue_event("reopened", state_reason=None))
    assert the_issue().detail["state"] == "open"
    red_run(octo_agent, run_tasks, FLAKY, attempt=2)
    sender.github("workflow_run", completed("failure", attempt=2))
    assert filed.writes == [("POST", 1), ("PATCH", 1)]


def test_a_close_of_an_issue_the_hub_did_not_file_changes_nothing(filed, sender) -> None:
    sender.github("issues", issue_event("closed", number=99))
    assert the_issue().detail["state"] == "open"
    assert Delivery.objects.get(event="issues").status == "processed"


def test_an_issues_action_that_does_not_change_state_is_ignored(filed, sender) -> None:
    sender.github("issues", issue_event("labeled"))
    assert Delivery.objects.get(event="issues").status == "ignored"


def test_gitlab_issue_hook_close_while_the_test_is_flaky_is_recorded_as_not_a_problem(
    api, sender, run_tasks
) -> None:
    project = project_with_secret("group/app", "gitlab")
    give_token(project, "glpat-for-tests")
    store.save(project, {"issues": {"flaky": True}, "rerun": {"enabled": False}})
    gitlab = fake_gitlab_issues(api)
    test = a_test(project)
    judge(test, "flaky")
    answer(run_tasks)
    gitlab.one()["state"] = "closed"
    assert sender.gitlab("Issue Hook", gitlab_issue_hook("close")).status_code in (200, 202)
    detail = the_issue().detail
    assert detail["state"] == "dismissed"
    assert detail["dismissals"][-1]["by"] == gitlab_issue_hook("close")["user"]["username"]
