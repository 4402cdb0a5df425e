"""Detection end to end: real reports through the ingest API, then the detection service, then the
health rows, state changes and audit trail it leaves. The verdict comes within the ingest of the evidence."""

from __future__ import annotations

import itertools

import pytest

from hub.flaky.models import StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services import detection_run, upload_plan
from hub.flaky.services.quarantine import mark_fixed, quarantine
from hub.flaky.services.states import change_state, health_for
from hub.flaky.tasks import recompute_all, recompute_project
from hub.response.tasks import upload_stored
from hub.runs.models import Test, Upload
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db

_runs = itertools.count(1)
_shas = itertools.count(1)
BYSTANDERS = [case(f"test_other_{i}") for i in range(20)]  # a suite is more than the test under watch


def sha() -> str:
    return f"{next(_shas):040x}"


def upload(agent, *cases, judge=True, commit=None, run_id=None, **run) -> int:
    """Post one report as the agent does; judge its tests as the task after ingest does."""
    body = report(*cases, *BYSTANDERS, run_id=run_id or str(next(_runs)), sha=commit or sha(), **run)
    response = agent.post_report(body)
    assert response.status_code == 201, response.content
    upload_id = response.json()["upload"]
    if judge:
        detection_run.update_for_upload(upload_id)
    return upload_id


def health(name="test_widget") -> TestHealth:
    return TestHealth.objects.get(test__name=name)


def main_runs(agent, outcomes: str, name="test_widget", **run) -> None:
    for letter in outcomes:
        upload(agent, case(name, "failed" if letter == "f" else "passed"), **run)


def test_a_retry_in_the_uploaded_report_makes_the_test_flaky_within_that_ingest(agent):
    main_runs(agent, "ppp")
    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed", "message": "timeout"}]))

    row = health()
    assert row.state == State.FLAKY
    assert row.retry_flakes == 1
    change = StateChange.objects.get(test=row.test)
    assert (change.from_state, change.to_state, change.rule) == ("healthy", "flaky", "retry-in-job")
    assert change.evidence
    assert change.reason.startswith("Flaky")


def test_a_test_reported_twice_in_one_job_with_both_outcomes_is_a_retry_flake(agent):
    upload(agent, case("test_widget", "failed"), case("test_widget", "passed"))

    assert health().state == State.FLAKY


def test_a_rerun_of_a_failed_run_that_passes_makes_the_test_flaky(agent):
    main_runs(agent, "ppp")
    commit = sha()
    upload(agent, case("test_widget", "failed"), commit=commit, run_id="77")
    assert health().state == State.SUSPECTED

    upload(agent, case("test_widget", "passed"), commit=commit, run_id="77", attempt=2)

    row = health()
    assert (row.state, row.same_commit_flakes) == (State.FLAKY, 1)


def test_a_test_failing_since_a_commit_is_broken_with_that_commit_as_onset(agent):
    main_runs(agent, "pppp")
    first_bad = sha()
    upload(agent, case("test_widget", "failed"), commit=first_bad)
    main_runs(agent, "f")

    row = health()
    assert row.state == State.BROKEN
    assert row.onset_sha == first_bad
    assert row.onset_run.commit_sha == first_bad


def test_failures_in_an_upload_where_most_tests_failed_are_not_evidence(agent):
    main_runs(agent, "pppp")
    outage = [case(f"test_other_{i}", "error") for i in range(20)]
    response = agent.post_report(report(case("test_widget", "error"), *outage, run_id="500", sha=sha()))
    detection_run.update_for_upload(response.json()["upload"])
    main_runs(agent, "p")

    assert not TestHealth.objects.filter(test__name="test_widget").exists()


def test_an_outage_still_counts_against_a_watched_test_as_infrastructure_only(agent):
    main_runs(agent, "pppp", name="test_widget")
    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]))
    outage = [case(f"test_other_{i}", "error") for i in range(20)]
    response = agent.post_report(report(case("test_widget", "error"), *outage, run_id="501", sha=sha()))
    detection_run.update_for_upload(response.json()["upload"])

    row = health()
    assert (row.state, row.infra_failures, row.failures) == (State.FLAKY, 1, 1)


def test_the_health_row_keeps_aggregates_score_and_evidence(agent):
    main_runs(agent, "ppppfppppfpp")

    row = health()
    assert (row.runs, row.failures, row.flips, row.recent) == (12, 2, 4, "ppppfppppfpp")
    assert row.state == State.FLAKY
    assert 0 < row.confidence_low < row.score < row.confidence_high < 1
    assert {item["signal"] for item in row.evidence} >= {"history", "probability"}
    assert row.last_result_at is not None
    assert row.first_failure_at is not None


def test_pull_request_failures_count_as_impact(agent):
    flake = case("test_widget", "passed", reruns=[{"status": "failed", "duration": 3.0}])
    upload(agent, flake, pull_request=12, branch="f")
    upload(agent, flake, pull_request=13, branch="g")

    row = health()
    assert (row.runs_affected, row.pull_requests_affected) == (2, 2)
    assert row.time_lost == 6.0


def test_a_quarantined_test_stays_quarantined_and_its_evidence_updates(agent, owner):
    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]))
    quarantine(Test.objects.get(name="test_widget"), reason="races", user=owner)

    main_runs(agent, "fff")

    row = health()
    assert row.state == State.QUARANTINED
    assert row.failures == 4  # the retry that failed, and three failures since


def test_a_test_a_person_marked_fixed_is_not_made_flaky_again_by_old_evidence(agent, owner):
    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]))
    mark_fixed(Test.objects.get(name="test_widget"), reason="fixed the race", user=owner)

    main_runs(agent, "pp")

    assert health().state == State.FIXED


def test_a_test_a_person_marked_fixed_that_flakes_again_is_flaky(agent, owner):
    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]))
    mark_fixed(Test.objects.get(name="test_widget"), reason="fixed the race", user=owner)
    main_runs(agent, "p")

    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]))

    assert health().state == State.FLAKY


def test_a_watched_test_is_judged_on_an_upload_where_it_passed(agent):
    main_runs(agent, "pppf")
    assert health().clean_streak == 0

    main_runs(agent, "pp")

    assert health().clean_streak == 2


def test_an_upload_judges_only_its_failing_and_watched_tests(agent):
    main_runs(agent, "ppp")
    upload_id = upload(agent, case("test_widget", "failed"), case("test_gadget", "passed"), judge=False)
    watched = Test.objects.get(name="test_other_3")
    change_state(health_for(watched), State.SUSPECTED, reason="seen before", rule="test")

    judged = upload_plan.judged_in_upload(Upload.objects.select_related("job").get(pk=upload_id))

    assert set(Test.objects.filter(pk__in=judged).values_list("name", flat=True)) == {
        "test_widget",
        "test_other_3",
    }


def test_a_full_recompute_reaches_the_verdicts_the_incremental_path_reached(agent):
    main_runs(agent, "pppfpppfpp", name="test_widget")
    upload(agent, case("test_gadget", "passed", reruns=[{"status": "failed"}]))
    main_runs(agent, "pppp", name="test_broken")  # stays healthy until it breaks
    main_runs(agent, "fff", name="test_broken")
    # A watched test's clean pass that cannot move it updates its streaks and counts, not its score
    # (upload_plan.plan_for_upload): the score is the next verdict's, or the nightly recompute's.
    incremental = {
        h.test.name: (h.state, h.failures, h.runs, h.recent, h.clean_streak)
        for h in TestHealth.objects.select_related("test")
    }
    TestHealth.objects.all().delete()
    StateChange.objects.all().delete()

    judged = recompute_all()

    recomputed = {
        h.test.name: (h.state, h.failures, h.runs, h.recent, h.clean_streak)
        for h in TestHealth.objects.select_related("test")
    }
    assert recomputed == incremental
    assert judged == 3


def test_a_full_recompute_of_a_project_skips_tests_that_never_failed(agent, project):
    main_runs(agent, "pppp")

    assert recompute_project(project.pk) == 0
    assert not TestHealth.objects.exists()


def test_a_recompute_does_not_record_a_change_when_nothing_changed(agent, project):
    main_runs(agent, "ppppfppppfpp")
    changes = StateChange.objects.count()

    detection_run.recompute_project(project)

    assert StateChange.objects.count() == changes


def test_a_newly_flaky_test_is_quarantined_where_the_project_quarantines_automatically(agent, project):
    project.auto_quarantine = True
    project.save()

    upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]))

    assert health().state == State.QUARANTINED


def test_the_task_after_ingest_reaches_the_verdict(agent):
    upload_id = upload(agent, case("test_widget", "passed", reruns=[{"status": "failed"}]), judge=False)

    upload_stored(upload_id)

    assert health().state == State.FLAKY


def test_a_pass_on_a_rerun_of_a_failed_pull_request_commit_makes_the_test_flaky_within_that_ingest(agent):
    main_runs(agent, "ppp")
    commit = sha()
    upload(agent, case("test_widget", "failed"), commit=commit, run_id="88", pull_request=12, branch="f")
    assert health().state == State.HEALTHY  # a pull request's failure alone: maybe its own code

    upload(
        agent,
        case("test_widget", "passed"),
        commit=commit,
        run_id="88",
        attempt=2,
        pull_request=12,
        branch="f",
    )

    assert (health().state, health().same_commit_flakes) == (State.FLAKY, 1)


def test_failures_that_two_pull_requests_mended_on_their_next_commit_leave_the_test_healthy(agent):
    main_runs(agent, "ppp")
    upload(agent, case("test_widget", "failed"), pull_request=12, branch="f")
    main_runs(agent, "p")
    upload(agent, case("test_widget", "passed"), pull_request=12, branch="f")
    upload(agent, case("test_widget", "failed"), pull_request=13, branch="g")
    main_runs(agent, "p")

    upload(agent, case("test_widget", "passed"), pull_request=13, branch="g")

    row = health()
    assert row.state == State.HEALTHY
    assert not StateChange.objects.filter(test=row.test).exists()
    assert next(item for item in row.evidence if item["signal"] == "mended")["lines"] == ["#12", "#13"]


def test_an_upload_judges_its_tests_that_failed_before_on_the_same_pull_request_outside_an_outage(agent):
    main_runs(agent, "ppp")
    upload(agent, case("test_widget", "failed"), pull_request=12, branch="f")
    outage = [case(f"test_other_{i}", "error") for i in range(20)]
    agent.post_report(
        report(case("test_gadget", "error"), *outage, run_id="502", pull_request=12, branch="f")
    )
    upload_id = upload(
        agent,
        case("test_widget", "passed"),
        case("test_gadget", "passed"),
        pull_request=12,
        branch="f",
        judge=False,
    )

    judged = upload_plan.judged_in_upload(Upload.objects.get(pk=upload_id))

    assert set(Test.objects.filter(pk__in=judged).values_list("name", flat=True)) == {"test_widget"}


def test_a_default_branch_pass_completing_a_pull_requests_mend_is_judged_in_its_ingest(agent):
    main_runs(agent, "ppp")
    upload(agent, case("test_widget", "failed"), pull_request=12, branch="f")
    upload(agent, case("test_widget", "passed"), pull_request=12, branch="f")  # before main's next run
    assert "mended" not in {item["signal"] for item in health().evidence}

    main_runs(agent, "p")

    row = health()
    assert row.state == State.HEALTHY  # mended on the pull request: shown, not counted
    assert "mended" in {item["signal"] for item in row.evidence}
