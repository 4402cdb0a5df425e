"""The issues responder against a fake GitLab (and GitHub where it is the one that matters): the same
lifecycle through GitLab's Issues API, the policy's switches and hourly limit, refusals, and work that
is already under way."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hub.flaky.services.states import change_state, health_for
from hub.integrations.models import Integration
from hub.projects.models import Project
from hub.response.models import Effect, EffectState, FixJob, FixState
from hub.response.policy import store
from hub.response.responders import issues
from hub.response.services import fix_jobs, issue_filing
from hub.runs.models import Test
from tests.hub.operations.conftest import give_token
from tests.hub.response.fake_issues import fake_github_issues, fake_gitlab_issues

pytestmark = pytest.mark.django_db

ON = {"issues": {"flaky": True, "broken": True}, "rerun": {"enabled": False}}


@pytest.fixture
def gitlab_project() -> Project:
    project = Project.objects.create(full_name="group/app", provider="gitlab")
    give_token(project, "glpat-for-tests")
    store.save(project, ON)
    return project


def a_test(project: Project, name: str = "test_timing") -> Test:
    return Test.objects.create(
        project=project, key=name.encode().ljust(16, b"-")[:16], name=name, classname="c"
    )


def judge(test: Test, state: str) -> None:
    change_state(health_for(test), state, reason=f"judged {state}", rule="test")


def answer(commit) -> None:
    """The sweep answers the state changes, and the jobs it opens run (django-q2 in sync mode)."""
    with commit():
        issues.sweep()


def test_gitlab_issue_opens_closes_when_the_test_heals_and_reopens_on_relapse(
    gitlab_project, api, run_tasks
) -> None:
    gitlab = fake_gitlab_issues(api)
    test = a_test(gitlab_project)
    judge(test, "flaky")
    answer(run_tasks)
    assert gitlab.one()["state"] == "open"
    assert gitlab.one()["title"] == "Flaky test: c.test_timing"

    judge(test, "healthy")
    answer(run_tasks)
    assert gitlab.one()["state"] == "closed"

    judge(test, "broken")
    answer(run_tasks)
    assert gitlab.one()["state"] == "open"
    assert gitlab.one()["title"] == "Broken test: c.test_timing"
    assert gitlab.writes == [("POST", 1), ("PUT", 1), ("PUT", 1)]


def test_answering_the_same_state_change_twice_opens_one_job(gitlab_project, api, run_tasks) -> None:
    fake_gitlab_issues(api)
    judge(a_test(gitlab_project), "flaky")
    answer(run_tasks)
    answer(run_tasks)
    assert FixJob.objects.filter(responder="issues").count() == 1


def test_no_issue_job_when_the_policy_files_no_issues(gitlab_project, api, run_tasks) -> None:
    gitlab = fake_gitlab_issues(api)
    store.save(gitlab_project, {})
    judge(a_test(gitlab_project), "flaky")
    answer(run_tasks)
    assert not FixJob.objects.exists()
    assert gitlab.issues == {}


def test_no_issue_for_a_suspected_test(gitlab_project, api, run_tasks) -> None:
    fake_gitlab_issues(api)
    judge(a_test(gitlab_project), "suspected")
    answer(run_tasks)
    assert not FixJob.objects.exists()


def test_the_hourly_limit_holds_back_a_new_issue_until_the_hour_has_room(
    gitlab_project, api, run_tasks
) -> None:
    gitlab = fake_gitlab_issues(api)
    store.save(gitlab_project, {**ON, "issues": {**ON["issues"], "max_per_hour": 1}})
    judge(a_test(gitlab_project, "test_one"), "flaky")
    answer(run_tasks)
    judge(a_test(gitlab_project, "test_two"), "flaky")
    answer(run_tasks)
    assert len(gitlab.issues) == 1

    with run_tasks():
        issues.answer_state_changes(gitlab_project.pk, store.effective(gitlab_project)["issues"])
    assert len(gitlab.issues) == 1  # still within the hour

    later = timezone.now() + timezone.timedelta(minutes=61)
    assert issue_filing.writes_last_hour(gitlab_project.pk, later) == 0


def test_a_project_without_an_api_token_fails_the_job_saying_what_to_do(
    gitlab_project, api, run_tasks
) -> None:
    fake_gitlab_issues(api)
    Integration.objects.filter(project=gitlab_project).delete()
    judge(a_test(gitlab_project), "flaky")
    answer(run_tasks)
    job = FixJob.objects.get()
    assert job.state == FixState.FAILED
    assert "the provider refused to open the issue" in job.events.last().reason
    assert "API token" in job.events.last().reason


def test_an_issue_another_worker_is_filing_is_left_to_it(
    gitlab_project, api, django_capture_on_commit_callbacks
) -> None:
    gitlab = fake_gitlab_issues(api)
    test = a_test(gitlab_project)
    judge(test, "flaky")
    with django_capture_on_commit_callbacks(execute=False):  # opened, not yet handed to a worker
        job = issues.answer_state_changes(gitlab_project.pk, store.effective(gitlab_project)["issues"])[0]
    other = FixJob.objects.create(project=gitlab_project, responder="issues", key="issue:other", test=test)
    Effect.objects.create(
        fix_job=other, key=issues.issue_key(test.pk), kind="issue", state=EffectState.INTENDED
    )

    assert fix_jobs.perform(job.pk) == FixState.PENDING
    assert "another worker is filing this issue" in FixJob.objects.get(pk=job.pk).last_error
    assert gitlab.issues == {}


def test_a_github_issue_found_by_its_marker_is_adopted_and_brought_up_to_date(octo, api, run_tasks) -> None:
    github = fake_github_issues(api)
    give_token(octo)
    store.save(octo, ON)
    test = a_test(octo)
    github.issues[1] = {"number": 1, "title": "old", "body": f"<!-- orchestrate:test:{test.pk} -->",
                        "state": "closed", "labels": ["flaky-test"]}  # fmt: skip
    judge(test, "flaky")
    answer(run_tasks)
    assert github.writes == [("PATCH", 1)]
    assert github.one()["state"] == "open"
    assert github.one()["title"] == "Flaky test: c.test_timing"


def test_an_issue_deleted_by_a_person_fails_the_update_and_the_next_change_files_anew(
    gitlab_project, api, run_tasks
) -> None:
    gitlab = fake_gitlab_issues(api)
    test = a_test(gitlab_project)
    judge(test, "flaky")
    answer(run_tasks)
    del gitlab.issues[1]

    judge(test, "healthy")
    answer(run_tasks)
    assert "the provider refused to close the issue" in FixJob.objects.first().events.last().reason

    judge(test, "broken")
    answer(run_tasks)
    assert list(gitlab.issues) == [2]
    assert Effect.objects.get(kind="issue").external_id == "2"
