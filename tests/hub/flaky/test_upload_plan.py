"""An upload's analysis judges only the tests its evidence may move: a watched test's clean pass far from
clearing it only lengthens its streak; a pass right after a failure, one that may clear it, or one of a
broken test is judged at once."""

from __future__ import annotations

import pytest

from hub.flaky.models import TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services import detection_run, upload_plan
from hub.flaky.services.upload_plan import pass_may_change_state
from hub.runs.models import Test, Upload
from tests.hub.conftest import case
from tests.hub.flaky.uploads import post

pytestmark = pytest.mark.django_db


def outcomes(agent, letters: str, **run) -> None:
    for letter in letters:
        post(agent, case("test_widget", "failed" if letter == "f" else "passed"), **run)


def widget() -> TestHealth:
    return TestHealth.objects.get(test__name="test_widget")


def planned(upload: Upload) -> upload_plan.UploadPlan:
    found = Upload.objects.select_related("job", "run", "project").get(pk=upload.pk)
    return upload_plan.plan_for_upload(found)


def test_a_watched_tests_clean_pass_far_from_clearing_it_is_counted_not_judged(agent):
    outcomes(agent, "pppppfpp")
    before = widget()
    assert before.state == State.SUSPECTED
    assert before.clean_runs_needed > 4

    upload = post(agent, case("test_widget"), judge=False)
    plan = planned(upload)
    detection_run.update_for_upload(upload.pk)

    test_id = Test.objects.get(name="test_widget").pk
    assert (test_id in plan.judge, plan.passed_clean) == (False, [test_id])
    after = widget()
    assert (after.clean_streak, after.runs, after.recent) == (3, before.runs + 1, before.recent + "p")
    assert after.judged_at == before.judged_at


def test_a_pass_right_after_a_failure_is_judged(agent):
    outcomes(agent, "pppppf")
    upload = post(agent, case("test_widget"), judge=False)
    assert Test.objects.get(name="test_widget").pk in planned(upload).judge


def test_the_pass_that_may_clear_a_suspected_test_is_judged_and_clears_it(agent):
    outcomes(agent, "pppppfp")
    needed = widget().clean_runs_needed
    outcomes(agent, "p" * (needed - 2))
    assert (widget().state, widget().clean_streak) == (State.SUSPECTED, needed - 1)

    outcomes(agent, "p")

    assert widget().state == State.HEALTHY


def test_a_watched_tests_pass_on_a_pull_request_is_neither_judged_nor_counted(agent):
    outcomes(agent, "pppppfpp")
    upload = post(agent, case("test_widget"), judge=False, branch="feature", pull_request=4)
    assert planned(upload) == upload_plan.UploadPlan(judge=[], passed_clean=[])


@pytest.mark.parametrize(
    ("state", "clean_streak", "needed", "may"),
    [
        (State.BROKEN, 5, 100, True),  # a broken test that passes is fixed
        (State.SUSPECTED, 0, 100, True),  # the failure before it becomes isolated
        (State.SUSPECTED, 98, 100, False),
        (State.SUSPECTED, 99, 100, True),
        (State.FLAKY, 4, 5, True),
        (State.FLAKY, 0, 50, False),  # its failure just before is more of the evidence it has
        (State.QUARANTINED, 0, 50, False),
        (State.QUARANTINED, 3, 50, False),
    ],
)
def test_a_pass_may_change_a_watched_tests_state_only_at_these_points(state, clean_streak, needed, may):
    assert pass_may_change_state(state, clean_streak, needed) is may


def test_a_branchs_failures_are_read_only_since_the_previous_upload_of_the_job_there(agent):
    post(agent, case("test_widget", "failed"), branch="feature")
    after_failure = post(agent, case("test_widget"), branch="feature", judge=False)
    widget_id = Test.objects.get(name="test_widget").pk
    assert widget_id in planned(after_failure).judge  # the failure did not last: evidence
    detection_run.update_for_upload(after_failure.pk)

    later = post(agent, case("test_widget"), branch="feature", judge=False)

    assert widget_id not in planned(later).judge  # that evidence is spent; the branch is not reread
