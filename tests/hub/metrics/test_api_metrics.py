"""``GET /api/v1/projects/{id}/metrics?weeks=N``: the service reads runs and fix jobs into the weekly
figures; members read them, another team gets 404, a bad ``weeks`` is named with its limit; the admin
lists this week's."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hub.metrics.figures import iso_week
from hub.response.models import FixJob, FixState
from hub.response.services import fix_jobs
from hub.runs.models import Run
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db


def url(project, weeks: str = "") -> str:
    return f"/api/v1/projects/{project.pk}/metrics" + (f"?weeks={weeks}" if weeks else "")


def finish(job: FixJob, state: str, detail: dict | None = None) -> None:
    for step in (FixState.DISPATCHED, FixState.RUNNING, FixState.AWAITING_VERIFICATION):
        fix_jobs.transition(job, step, f"now {step}")
    fix_jobs.transition(job, state, f"now {state}", detail=detail)


@pytest.fixture
def history(project, agent):
    """This week: two failed runs, one with an upload; a re-run that healed, one whose test failed again."""
    agent.post_report(report(case("test_a", "failed"), run_id="1"))
    Run.objects.create(project=project, provider="github", provider_run_id="2")
    Run.objects.update(status="completed", conclusion="failure", finished_at=timezone.now())
    healed = FixJob.objects.create(
        project=project, responder="rerun", key="rerun:1:1", run=Run.objects.first()
    )
    again = FixJob.objects.create(project=project, responder="rerun", key="rerun:2:1")
    finish(healed, FixState.SUCCEEDED)
    finish(again, FixState.FAILED, {"failed_again": ["test_a"]})


def test_a_member_reads_this_weeks_figures_from_runs_and_fix_jobs(project, teammate, client_for, history):
    response = client_for(teammate).get(url(project, "2"))

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["project"] == "acme/widgets"
    week = body["weeks"][0]
    assert week["week"] == iso_week(timezone.now())
    assert week["failure_detection"] == {"failed_runs": 2, "detected": 1, "rate": 0.5}
    assert week["response_success"] == {"rerun": {"finished": 2, "succeeded": 1, "rate": 0.5}}
    assert week["false_positives"] == {"reruns_finished": 2, "failed_again": 1, "rate": 0.5}
    assert week["time_to_resolution"]["resolved"] == 1


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
    assert "50% of 2" in page  # detection: 1 of 2 failed runs uploaded; re-runs: 1 of 2 healed
    assert "rerun 50% of 2" in page
