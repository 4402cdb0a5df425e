"""A flaky or quarantined test's failure on the default branch that cannot make it broken is more of the
evidence it already has: its figures move as a verdict would move them, and it is not judged. Any
failure that may move a test (one that may start a broken streak, one on a pull request, one of a test
in another state) is judged as before."""

from __future__ import annotations

import pytest

from hub.flaky.detection import DEFAULT_RULES
from hub.flaky.models import StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services import detection_run, upload_plan
from hub.flaky.services.quarantine import quarantine
from hub.flaky.services.upload_plan import failure_may_change_state
from hub.flaky.tasks import recompute_all
from hub.runs.models import Test, TestResult
from tests.hub.conftest import case
from tests.hub.flaky.uploads import post

pytestmark = pytest.mark.django_db


def outcomes(agent, letters: str, name: str = "test_widget") -> None:
    for letter in letters:
        post(agent, case(name, "failed" if letter == "f" else "passed", duration=1.5))


def flaky(agent, name: str = "test_widget") -> TestHealth:
    """``name`` made flaky by a retry on main, then passing a few times."""
    outcomes(agent, "ppp", name)
    post(agent, case(name, "passed", reruns=[{"status": "failed", "message": "timeout"}]))
    outcomes(agent, "pp", name)
    health = TestHealth.objects.get(test__name=name)
    assert health.state == State.FLAKY
    return health


def widget_id() -> int:
    return Test.objects.get(name="test_widget").pk


def test_a_flaky_tests_failure_on_the_default_branch_is_counted_not_judged(agent):
    before = flaky(agent)

    upload = post(agent, case("test_widget", "failed", duration=1.5), judge=False)
    plan = upload_plan.plan_for_upload(upload)
    detection_run.update_for_upload(upload.pk)

    assert widget_id() not in plan.judge
    assert [failure.test_id for failure in plan.known_failures] == [widget_id()]
    after = TestHealth.objects.get(pk=before.pk)
    assert after.state == State.FLAKY
    assert (after.failure_streak, after.clean_streak) == (1, 0)
    assert (after.runs, after.failures, after.recent) == (
        before.runs + 1,
        before.failures + 1,
        before.recent + "f",
    )
    assert after.time_lost == pytest.approx(before.time_lost + 1.5)
    assert after.last_failure_at == upload.run.created_at == after.last_result_at
    assert after.judged_at == before.judged_at  # no verdict was reached: its score is the last one's
    failed = TestResult.objects.get(upload=upload, test_id=widget_id())
    assert after.judged_through >= failed.pk  # seen: a person clearing the test spends it


def test_a_flaky_tests_failure_that_may_start_a_broken_streak_is_judged(agent):
    flaky(agent)
    post(agent, case("test_widget", "failed"))

    second = post(agent, case("test_widget", "failed"), judge=False)

    assert widget_id() in upload_plan.plan_for_upload(second).judge


def test_a_flaky_tests_failure_on_a_pull_request_is_judged(agent):
    flaky(agent)

    upload = post(agent, case("test_widget", "failed"), judge=False, branch="feature", pull_request=4)

    plan = upload_plan.plan_for_upload(upload)
    assert (widget_id() in plan.judge, plan.known_failures) == (True, [])


def test_a_quarantined_tests_failure_is_counted_not_judged(agent):
    health = flaky(agent)
    quarantine(health.test, reason="timing", automatic=True)

    upload = post(agent, case("test_widget", "failed"), judge=False)

    plan = upload_plan.plan_for_upload(upload)
    assert [failure.test_id for failure in plan.known_failures] == [widget_id()]
    detection_run.update_for_upload(upload.pk)
    assert TestHealth.objects.get(pk=health.pk).state == State.QUARANTINED


def test_a_suspected_tests_failure_is_judged(agent):
    outcomes(agent, "pppf")
    assert TestHealth.objects.get(test__name="test_widget").state == State.SUSPECTED

    upload = post(agent, case("test_widget", "failed"), judge=False)

    assert widget_id() in upload_plan.plan_for_upload(upload).judge


@pytest.mark.parametrize(
    ("state", "failure_streak", "final_failed", "may"),
    [
        (State.FLAKY, 0, True, False),  # more of the evidence it has
        (State.FLAKY, 1, True, True),  # two in a row: a broken streak may begin
        (State.FLAKY, 1, False, False),  # failed, then passed on a retry: the streak ends
        (State.QUARANTINED, 0, True, False),
        (State.QUARANTINED, 1, True, True),  # its rules' state is reported
        (State.SUSPECTED, 0, True, True),
        (State.BROKEN, 5, True, True),
        (State.HEALTHY, 0, True, True),
        (State.FIXED, 0, True, True),
    ],
)
def test_a_failure_may_change_a_watched_tests_state_only_at_these_points(
    state, failure_streak, final_failed, may
):
    assert failure_may_change_state(state, failure_streak, final_failed, DEFAULT_RULES) is may


def test_a_full_recompute_reaches_the_figures_counted_for_known_failures(agent):
    flaky(agent)
    outcomes(agent, "fpfppf")  # each failure counted, not judged
    post(agent, case("test_widget", "failed", reruns=[{"status": "passed"}]))  # a retry flake, counted
    assert not StateChange.objects.exclude(to_state=State.FLAKY).exists()
    fields = ("state", "failures", "runs", "recent", "clean_streak", "failure_streak", "flips",
              "retry_flakes", "runs_affected", "time_lost", "first_failure_at", "last_failure_at",
              "last_result_at")  # fmt: skip
    counted = list(TestHealth.objects.values_list(*fields))
    TestHealth.objects.all().delete()
    StateChange.objects.all().delete()

    recompute_all()

    assert list(TestHealth.objects.values_list(*fields)) == counted
