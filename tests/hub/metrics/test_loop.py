"""What the loop achieved, read from the database: a red run on the default branch, the fixer's job that
answered it and its merge (the merge flow's ``merge:merge:`` effect), and the default branch's runs on
either side of the merge; the API, ``/metrics`` and the admin show it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from hub.metrics import services
from hub.metrics.exposition import registry
from hub.response.models import Effect, FixJob, FixState
from hub.response.services import fix_jobs
from hub.response.services.merging import MERGE
from hub.runs.models import Run
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


def this_wednesday() -> datetime:
    """Noon on this ISO week's Wednesday, so that an hour either side stays in the week."""
    now = timezone.now()
    return (now - timedelta(days=now.weekday()) + timedelta(days=2)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )


def finish(job: FixJob, state: str, detail: dict | None = None) -> None:
    for step in (FixState.DISPATCHED, FixState.RUNNING, FixState.AWAITING_VERIFICATION):
        fix_jobs.transition(job, step, f"now {step}")
    fix_jobs.transition(job, state, f"now {state}", detail=detail)


def default_branch_run(
    agent, run_id: str, failing: str, created: datetime, *, reported: bool, sha: str = "a" * 40
) -> Run:
    agent.post_report(report(case(failing, "failed", message="AssertionError"), run_id=run_id, sha=sha))
    run = Run.objects.get(provider_run_id=run_id)
    Run.objects.filter(pk=run.pk).update(
        status="completed", conclusion="failure", from_provider=reported, created_at=created,
        finished_at=created + HOUR / 6,
    )  # fmt: skip
    return run


def merge(job: FixJob, at: datetime) -> Effect:
    effect = Effect.objects.create(
        fix_job=job, key=f"{MERGE}{job.pk}:{'b' * 40}", kind="merge", state="done", external_id="c" * 40
    )
    Effect.objects.filter(pk=effect.pk).update(updated_at=at)
    return effect


@pytest.fixture
def loop(project, agent, run_tasks):
    """Wednesday noon: main goes red on test_a; the fixer answers and its fix merges at 14:10; main's
    next run (14:30) fails test_b, which passed before. A second red at 13:00 nobody answered."""
    noon = this_wednesday()
    with run_tasks():
        red = default_branch_run(agent, "1", "test_a", noon, reported=True)
        default_branch_run(agent, "2", "test_c", noon + HOUR, reported=True)
        fixer = FixJob.objects.create(project=project, responder="fixer", key="fixer:1", run=red)
        finish(fixer, FixState.SUCCEEDED)
        merge(fixer, noon + 2 * HOUR)
        default_branch_run(agent, "3", "test_b", noon + 2.5 * HOUR, reported=False)
    FixJob.objects.exclude(pk=fixer.pk).filter(run__provider_run_id="2").delete()  # nobody answered it
    return noon


def loop_figures(project) -> dict:
    return services.weekly(project, 1)[0]["loop"]


def test_a_weeks_failed_runs_are_counted_by_what_became_of_them(project, loop):
    figures = loop_figures(project)

    assert {key: figures[key] for key in ("failures_seen", "responded", "fixed", "merged")} == {
        "failures_seen": 2,
        "responded": 1,
        "fixed": 1,
        "merged": 1,
    }


def test_red_to_merged_runs_from_the_red_runs_end_to_the_merge(project, loop):
    figures = loop_figures(project)

    assert figures["red_to_merged_p50_seconds"] == figures["red_to_merged_p90_seconds"] == 6600.0


def test_a_merge_after_which_the_default_branch_fails_a_new_test_broke_something(project, loop):
    figures = loop_figures(project)

    assert (figures["fixes_merged"], figures["fixes_judged"], figures["fixes_that_broke_something"]) == (
        1,
        1,
        1,
    )


def test_a_merge_the_default_branch_has_not_run_since_is_not_judged(project, loop):
    Run.objects.filter(provider_run_id="3").delete()

    figures = loop_figures(project)

    assert (figures["fixes_merged"], figures["fixes_judged"], figures["fixes_that_broke_something"]) == (
        1,
        0,
        0,
    )


def test_a_failure_main_already_had_before_the_merge_is_not_the_fixs_doing(project, agent, loop, run_tasks):
    Run.objects.filter(provider_run_id="3").delete()
    with run_tasks():
        default_branch_run(agent, "4", "test_c", loop + 3 * HOUR, reported=False)

    assert loop_figures(project)["fixes_that_broke_something"] == 0


def test_the_run_of_the_merge_commit_judges_the_merge_even_when_created_before_it_was_recorded(
    project, agent, loop, run_tasks
):
    Run.objects.filter(provider_run_id="3").delete()
    with run_tasks():
        default_branch_run(agent, "4", "test_d", loop + 2 * HOUR - HOUR / 60, reported=False, sha="c" * 40)

    figures = loop_figures(project)

    assert (figures["fixes_judged"], figures["fixes_that_broke_something"]) == (1, 1)


def test_the_api_shows_the_loop(project, teammate, client_for, loop):
    response = client_for(teammate).get(f"/api/v1/projects/{project.pk}/metrics?weeks=1")

    assert response.status_code == 200, response.content
    assert response.json()["weeks"][0]["loop"]["fixes_that_broke_something"] == 1


def test_prometheus_counts_merged_fixes_by_whether_they_broke_something(loop):
    value = registry().get_sample_value
    assert value("orchestrate_fixes_merged_total", {"broke_something": "yes"}) == 1
    assert value("orchestrate_fixes_merged_total", {"broke_something": "no"}) == 0
    assert value("orchestrate_fixes_merged_total", {"broke_something": "not_yet_known"}) == 0


def test_the_admin_lists_this_weeks_loop(admin_client, loop):
    response = admin_client.get("/admin/metrics/projectmetrics/")

    assert response.status_code == 200
    shown = "2 failed run(s): 1 responded, 1 fixed, 1 merged; red to merged p50 110 min, p90 110 min"
    assert shown in response.content.decode()


def test_prometheus_counts_reruns_whose_tests_failed_again_as_wasted(project, loop):
    wasted = FixJob.objects.create(project=project, responder="rerun", key="rerun:1:1")
    healed = FixJob.objects.create(project=project, responder="rerun", key="rerun:2:1")
    lost = FixJob.objects.create(project=project, responder="rerun", key="rerun:3:1")
    finish(wasted, FixState.FAILED, {"failed_again": ["test_a"]})
    finish(healed, FixState.SUCCEEDED)
    finish(lost, FixState.FAILED)  # its attempt never ran: a failure, but not the same tests again

    assert registry().get_sample_value("orchestrate_reruns_wasted_total") == 1
