"""Issues for failure clusters new on the default branch, end to end: the agent's reports and signed
webhooks in, a fake GitHub or GitLab out. One issue per cluster new on the default branch, updated in place
as it recurs there, closed when its tests pass again or it goes quiet, reopened when it comes back, never
a second one, and left closed when a person closed it as not a problem."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from django.utils import timezone

from hub.failures.models import Failure, FailureCluster
from hub.metrics import services as metrics
from hub.projects.models import AgentToken, Project
from hub.response.models import Effect, FixJob, FixState
from hub.response.policy import store
from hub.response.responders import cluster_issues, issues
from hub.response.services import issue_filing
from hub.runs.models import Run
from tests.hub.conftest import Agent, case, report
from tests.hub.operations.conftest import give_token
from tests.hub.response.conftest import completed
from tests.hub.response.fake_issues import fake_github_issues, fake_gitlab_issues
from tests.hub.response.test_issue_dismissals import issue_event
from tests.hub.webhooks.conftest import corpus_json, project_with_secret

pytestmark = pytest.mark.django_db

CLUSTERS_ON = {"issues": {"new_cluster_on_default_branch": True}, "rerun": {"enabled": False}}
TOKEN = "ghp_" + "x" * 36
MESSAGE = f"ConnectionError: database at 10.0.0.7:5432 refused the connection (token {TOKEN})"


def red(agent: Agent, commit, run_id: int, *, branch: str = "main", provider: str = "github") -> None:
    """A run of two tests failing with the same message (one cluster), and one passing."""
    failing = [case(name, "failed", message=MESSAGE) for name in ("test_save", "test_load")]
    with commit():
        response = agent.post_report(
            report(*failing, case("test_steady"), run_id=str(run_id), branch=branch, provider=provider)
        )
    assert response.status_code == 201, response.content


def green(agent: Agent, commit, run_id: int, *, branch: str = "main") -> None:
    cases = [case(name) for name in ("test_save", "test_load", "test_steady")]
    with commit():
        assert agent.post_report(report(*cases, run_id=str(run_id), branch=branch)).status_code == 201


def complete(sender, run_id: int, conclusion: str = "failure") -> None:
    """GitHub says the run ``run_id`` completed (the corpus's workflow_run, renumbered)."""
    payload = copy.deepcopy(completed(conclusion))
    payload["workflow_run"]["id"] = run_id
    assert sender.github("workflow_run", payload).status_code in (200, 202)


def sweep(commit, now=None) -> None:
    with commit():
        issues.sweep(now)


@pytest.fixture
def github(octo, api):
    give_token(octo)
    store.save(octo, CLUSTERS_ON)
    return fake_github_issues(api)


@pytest.fixture
def agent(octo) -> Agent:
    return Agent(AgentToken.issue(project=octo, name="ci")[1])


@pytest.fixture
def filed(github, agent, sender, run_tasks):
    red(agent, run_tasks, 501)
    complete(sender, 501)
    return github


def test_a_cluster_new_on_the_default_branch_gets_one_issue(filed) -> None:
    issue = filed.one()
    cluster = FailureCluster.objects.get()
    assert issue["title"] == f"Failure cluster: {cluster.normalised.replace(TOKEN, 'ghp_[REDACTED]')}"
    assert f"<!-- orchestrate:cluster:{cluster.pk} -->" in issue["body"]
    assert "tests.test_widgets.test_save" in issue["body"]
    assert "tests.test_widgets.test_load" in issue["body"]
    assert "Occurrences: 2; tests touched: 2" in issue["body"]
    assert "[run 501 (attempt 1)]" in issue["body"]
    assert "ConnectionError: database at 10.0.0.7:5432 refused the connection" in issue["body"]
    assert TOKEN not in issue["body"] + issue["title"]  # failures' own text is redacted
    assert issue["labels"] == ["flaky-test"]
    assert issue["state"] == "open"
    job = FixJob.objects.get(responder="issues")
    assert (job.cluster_id, job.state) == (cluster.pk, FixState.SUCCEEDED)
    assert "opened issue #1: the failure cluster is seen on the default branch" in job.events.last().reason


def test_the_issue_is_updated_in_place_when_the_cluster_recurs_on_the_default_branch(
    filed, agent, sender, run_tasks
) -> None:
    red(agent, run_tasks, 502)
    complete(sender, 502)
    assert filed.writes == [("POST", 1), ("PATCH", 1)]
    assert "Occurrences: 4; tests touched: 2" in filed.one()["body"]


def test_a_redelivered_completion_files_nothing_more(filed, sender) -> None:
    complete(sender, 501)
    assert filed.writes == [("POST", 1)]
    assert FixJob.objects.filter(responder="issues").count() == 1


def test_no_issue_for_a_cluster_seen_only_on_another_branch(github, agent, sender, run_tasks) -> None:
    red(agent, run_tasks, 501, branch="feature/retry")
    complete(sender, 501)
    assert github.issues == {}
    assert not FixJob.objects.exists()


def test_no_issue_for_a_cluster_already_known_on_the_default_branch(
    octo, github, agent, sender, run_tasks
) -> None:
    store.save(octo, {"rerun": {"enabled": False}})
    red(agent, run_tasks, 501)
    complete(sender, 501)
    Run.objects.update(created_at=timezone.now() - timedelta(days=2))  # failing there for two days
    store.save(octo, CLUSTERS_ON)
    red(agent, run_tasks, 502)
    complete(sender, 502)
    assert github.issues == {}


def test_no_issue_when_the_policy_leaves_clusters_out(octo, github, agent, sender, run_tasks) -> None:
    store.save(octo, {"issues": {"flaky": True}, "rerun": {"enabled": False}})
    red(agent, run_tasks, 501)
    complete(sender, 501)
    assert github.issues == {}


def test_the_issue_closes_when_all_the_clusters_tests_pass_again(filed, agent, run_tasks) -> None:
    green(agent, run_tasks, 503)
    sweep(run_tasks)
    assert filed.one()["state"] == "closed"
    assert "It is over: all 2 of its tests pass again." in filed.one()["body"]
    sweep(run_tasks)
    assert filed.writes == [("POST", 1), ("PATCH", 1)]  # closed once


def test_a_cluster_closed_by_the_hub_counts_as_resolved_from_its_first_failure(
    octo, filed, agent, run_tasks
) -> None:
    Failure.objects.update(created_at=timezone.now() - timedelta(hours=1))
    green(agent, run_tasks, 503)
    sweep(run_tasks)
    resolution = metrics.weekly(octo, 1)[0]["time_to_resolution"]
    assert resolution["clusters"] == 1
    assert resolution["max_seconds"] >= 3600


def test_the_issue_closes_when_the_cluster_goes_quiet_for_the_policys_days(octo, filed, run_tasks) -> None:
    store.save(octo, {**CLUSTERS_ON, "issues": {**CLUSTERS_ON["issues"], "cluster_quiet_days": 3}})
    sweep(run_tasks, timezone.now() + timedelta(days=2))
    assert filed.one()["state"] == "open"
    FailureCluster.objects.update(last_seen=timezone.now() - timedelta(days=4))
    sweep(run_tasks)
    assert filed.one()["state"] == "closed"
    assert "not been seen for 3 days" in filed.one()["body"]


def test_a_closed_issue_reopens_when_the_cluster_comes_back(filed, agent, sender, run_tasks) -> None:
    green(agent, run_tasks, 503)
    sweep(run_tasks)
    red(agent, run_tasks, 504)
    complete(sender, 504)
    assert filed.one()["state"] == "open"
    assert filed.writes == [("POST", 1), ("PATCH", 1), ("PATCH", 1)]


def test_a_lost_record_adopts_the_issue_carrying_the_clusters_marker(filed, agent, sender, run_tasks) -> None:
    Effect.objects.all().delete()
    red(agent, run_tasks, 502)
    complete(sender, 502)
    assert len(filed.issues) == 1
    assert filed.writes == [("POST", 1), ("PATCH", 1)]


def test_a_new_cluster_held_back_by_the_hourly_limit_is_filed_on_its_next_failure_that_day(
    octo, github, agent, sender, run_tasks
) -> None:
    store.save(octo, {**CLUSTERS_ON, "issues": {**CLUSTERS_ON["issues"], "max_per_hour": 0}})
    red(agent, run_tasks, 501)
    complete(sender, 501)
    assert github.issues == {}
    store.save(octo, CLUSTERS_ON)
    red(agent, run_tasks, 502)
    complete(sender, 502)
    assert github.one()["state"] == "open"


def test_cluster_issues_count_against_the_hourly_limit_of_issue_writes(
    octo, filed, agent, sender, run_tasks
) -> None:
    store.save(octo, {**CLUSTERS_ON, "issues": {**CLUSTERS_ON["issues"], "max_per_hour": 1}})
    red(agent, run_tasks, 502)
    complete(sender, 502)
    assert filed.writes == [("POST", 1)]
    assert issue_filing.writes_last_hour(octo.pk) == 1


def test_an_issue_closed_by_a_person_while_the_cluster_goes_on_stays_closed(
    filed, agent, sender, run_tasks
) -> None:
    filed.one()["state"] = "closed"  # a person closed it on GitHub; the hub did not hear
    red(agent, run_tasks, 502)
    complete(sender, 502)
    assert filed.one()["state"] == "closed"
    effect = Effect.objects.get(key=cluster_issues.issue_key(FailureCluster.objects.get().pk))
    assert effect.detail["state"] == "dismissed"
    assert "recorded as not a problem and left closed" in FixJob.objects.first().events.last().reason

    red(agent, run_tasks, 503)
    complete(sender, 503)
    assert filed.one()["state"] == "closed"
    assert filed.writes == [("POST", 1), ("PATCH", 1)]


def test_gitlab_files_a_cluster_issue_from_a_pipeline_on_its_default_branch(api, sender, run_tasks) -> None:
    project = project_with_secret("gitlab-org/gitlab-test", "gitlab")
    Project.objects.filter(pk=project.pk).update(default_branch="master")
    give_token(project, "glpat-for-tests")
    store.save(project, CLUSTERS_ON)
    gitlab = fake_gitlab_issues(api, "gitlab-org%2Fgitlab-test")
    agent = Agent(AgentToken.issue(project=project, name="ci")[1])
    red(agent, run_tasks, 31, branch="master", provider="gitlab")
    pipeline = corpus_json("gitlab/gitlab4j/pipeline-event.json")
    pipeline["object_attributes"]["status"] = "failed"
    assert sender.gitlab("Pipeline Hook", pipeline).status_code in (200, 202)
    issue = gitlab.one()
    assert issue["title"].startswith("Failure cluster: ConnectionError")
    assert issue["state"] == "open"


def test_a_cluster_issue_a_person_closed_is_taken_up_again_only_after_the_cluster_clears(
    filed, agent, sender, run_tasks
) -> None:
    filed.one()["state"] = "closed"
    sender.github("issues", issue_event("closed"))
    effect = Effect.objects.get(key=cluster_issues.issue_key(FailureCluster.objects.get().pk))
    assert effect.detail["state"] == "dismissed"

    green(agent, run_tasks, 503)
    sweep(run_tasks)
    effect.refresh_from_db()
    assert effect.detail["state"] == "closed"

    red(agent, run_tasks, 504)
    complete(sender, 504)
    assert filed.one()["state"] == "open"
