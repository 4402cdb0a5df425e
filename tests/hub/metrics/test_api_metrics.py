"""``GET /api/v1/projects/{id}/metrics?weeks=N``: the service reads runs and fix jobs into the weekly
figures; members read them, another team gets 404, a bad ``weeks`` is named with its limit; the admin
lists this week's."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.failures.models import Failure
from hub.flaky.services.states import change_state, health_for
from hub.metrics.figures import iso_week
from hub.response.models import Effect, FixJob, FixState
from hub.response.services import dismissals, fix_jobs
from hub.runs.models import Run, Test
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db


def url(project, weeks: str = "") -> str:
    return f"/api/v1/projects/{project.pk}/metrics" + (f"?weeks={weeks}" if weeks else "")


def finish(job: FixJob, state: str, detail: dict | None = None) -> None:
    for step in (FixState.DISPATCHED, FixState.RUNNING, FixState.AWAITING_VERIFICATION):
        fix_jobs.transition(job, step, f"now {step}")
    fix_jobs.transition(job, state, f"now {state}", detail=detail)


@pytest.fixture
def history(project, agent, run_tasks):
    """This week: two runs GitHub reported failed (the hub analysed one), and one the agent alone reported;
    a re-run that healed and one whose test failed again; test_a broken two hours ago and fixed now; an
    issue a person closed as not a problem."""
    with run_tasks():
        agent.post_report(report(case("test_a", "failed", message="AssertionError"), run_id="1"))
        agent.post_report(report(case("test_b", "failed", message="AssertionError"), run_id="3"))
    Run.objects.create(project=project, provider="github", provider_run_id="2")
    Run.objects.update(status="completed", conclusion="failure", finished_at=timezone.now())
    Run.objects.exclude(provider_run_id="3").update(from_provider=True)
    healed = FixJob.objects.create(
        project=project, responder="rerun", key="rerun:1:1", run=Run.objects.first()
    )
    again = FixJob.objects.create(project=project, responder="rerun", key="rerun:2:1")
    finish(healed, FixState.SUCCEEDED)
    finish(again, FixState.FAILED, {"failed_again": ["test_a"]})

    test_a = Test.objects.get(name="test_a")
    Failure.objects.filter(test=test_a).update(created_at=timezone.now() - timedelta(hours=2))
    change_state(health_for(test_a), "broken", reason="fails on every run", rule="test")
    change_state(health_for(test_a), "fixed", reason="a person fixed it", rule="test")

    issue = FixJob.objects.create(project=project, responder="issues", key="issue:9:change:1", test=test_a)
    Effect.objects.create(fix_job=issue, key="issue:9", kind="issue", state="done", external_id="12",
                          detail={"state": "open"})  # fmt: skip
    dismissals.record(Effect.objects.get(key="issue:9"), seen="in a test", by="maintainer")


def test_a_member_reads_this_weeks_figures(project, teammate, client_for, history):
    response = client_for(teammate).get(url(project, "2"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["project"] == "acme/widgets"
    week = body["weeks"][0]
    assert week["week"] == iso_week(timezone.now())
    assert week["response_success"] == {"rerun": {"finished": 2, "succeeded": 1, "rate": 0.5}}


def test_detection_counts_only_runs_the_ci_reported_and_those_whose_failure_the_hub_recorded(
    project, teammate, client_for, history
):
    week = client_for(teammate).get(url(project, "1")).json()["weeks"][0]
    assert week["failure_detection"] == {"failed_runs": 2, "detected": 1, "rate": 0.5}


def test_time_to_resolution_runs_from_the_tests_first_failure_to_its_fix(
    project, teammate, client_for, history
):
    resolution = client_for(teammate).get(url(project, "1")).json()["weeks"][0]["time_to_resolution"]
    assert (resolution["resolved"], resolution["tests"], resolution["clusters"]) == (1, 1, 0)
    assert 7190 <= resolution["median_seconds"] <= 7300


def test_false_positives_count_reruns_failed_again_and_issues_closed_as_not_a_problem(
    project, teammate, client_for, history
):
    week = client_for(teammate).get(url(project, "1")).json()["weeks"][0]
    assert week["false_positives"] == {
        "reruns_finished": 2, "failed_again": 1, "issues_closed": 1, "closed_as_not_a_problem": 1,
        "rate": 0.6667,
    }  # fmt: skip


def test_eight_weeks_are_shown_by_default(project, teammate, client_for):
    assert len(client_for(teammate).get(url(project)).json()["weeks"]) == 8


@pytest.mark.parametrize("weeks", ["0", "53", "many"])
def test_weeks_out_of_range_are_refused_naming_the_limit(project, teammate, client_for, weeks):
    response = client_for(teammate).get(url(project, weeks))

    assert response.status_code == 400
    assert response.json()["error"]["message"] == f"weeks must be a whole number from 1 to 52; got '{weeks}'"


def test_another_teams_project_is_not_found(project, outsider, client_for):
    assert client_for(outsider).get(url(project)).status_code == 404


def test_the_admin_lists_each_projects_figures_for_this_week(admin_client, history):
    page = admin_client.get("/admin/metrics/projectmetrics/").content.decode()

    assert "acme/widgets" in page
    assert "50% of 2" in page  # detection: 1 of 2 reported failed runs recorded
    assert "rerun 50% of 2" in page  # re-runs: 1 of 2 healed
    assert "67% of 2 re-run(s) and 1 issue(s) closed (1 not a problem)" in page
