"""A pull request's failures against its base branch: new, known flaky, already failing, no baseline."""

from __future__ import annotations

import pytest

from hub.failures.models import Classification, Failure
from hub.failures.services.analysis import analyse_upload
from hub.failures.services.classification import classify_upload
from hub.flaky import models as flaky
from hub.runs.models import Test
from tests.hub.conftest import case
from tests.hub.failures.conftest import BROKEN, PASSING, PR

pytestmark = pytest.mark.django_db


def pull_request_failure(land, **run) -> Failure:
    upload = land(BROKEN, **{**PR, **run})
    analyse_upload(upload.pk)
    classify_upload(upload.pk)
    return Failure.objects.get(run_id=upload.run_id)


def test_a_test_that_passes_on_the_base_branch_is_a_new_failure(land):
    land(PASSING, run_id="main-1", branch="main")

    assert pull_request_failure(land).classification == Classification.NEW


def test_a_test_whose_latest_base_branch_result_failed_is_already_failing(land):
    land(PASSING, run_id="main-1", branch="main")
    land(BROKEN, run_id="main-2", branch="main")

    assert pull_request_failure(land).classification == Classification.ALREADY_FAILING


def test_only_the_latest_base_branch_run_counts(land):
    land(BROKEN, run_id="main-1", branch="main")
    land(PASSING, run_id="main-2", branch="main")

    assert pull_request_failure(land).classification == Classification.NEW


def test_a_test_the_base_branch_never_ran_has_no_baseline(land):
    land(PASSING, run_id="other-1", branch="release/1.x")

    assert pull_request_failure(land).classification == Classification.NO_BASELINE


def test_a_skipped_result_on_the_base_branch_is_no_baseline(land):
    land(case("test_checkout", "skipped"), run_id="main-1", branch="main")

    assert pull_request_failure(land).classification == Classification.NO_BASELINE


@pytest.mark.parametrize(
    "state", [flaky.TestState.FLAKY, flaky.TestState.SUSPECTED, flaky.TestState.QUARANTINED]
)
def test_a_known_flaky_test_is_flaky_whatever_the_base_branch_says(land, project, state):
    land(PASSING, run_id="main-1", branch="main")
    flaky.TestHealth.objects.create(test=Test.objects.get(name="test_checkout"), project=project, state=state)

    assert pull_request_failure(land).classification == Classification.FLAKY


def test_a_broken_test_is_not_called_flaky(land, project):
    land(BROKEN, run_id="main-1", branch="main")
    flaky.TestHealth.objects.create(
        test=Test.objects.get(name="test_checkout"), project=project, state=flaky.TestState.BROKEN
    )

    assert pull_request_failure(land).classification == Classification.ALREADY_FAILING


def test_without_a_base_branch_the_projects_default_branch_is_the_baseline(land, project):
    project.default_branch = "trunk"
    project.save()
    land(PASSING, run_id="trunk-1", branch="trunk")

    assert pull_request_failure(land, base_branch=None).classification == Classification.NEW


def test_other_pull_requests_are_not_a_baseline(land):
    land(PASSING, run_id="main-1", branch="main")
    land(BROKEN, run_id="pr-0", branch="main", pull_request=6)  # a PR from a fork's main

    assert pull_request_failure(land).classification == Classification.NEW


def test_a_matrix_job_compares_with_the_same_job_on_the_base_branch(land):
    land(PASSING, run_id="main-1", branch="main", job="test (linux)")
    land(BROKEN, run_id="main-1", branch="main", job="test (windows)")  # the newest result of the run

    assert pull_request_failure(land, job="test (linux)").classification == Classification.NEW


def test_a_run_that_is_not_a_pull_request_is_left_unclassified(land):
    upload = land(BROKEN, run_id="main-1", branch="main")
    analyse_upload(upload.pk)

    assert classify_upload(upload.pk) == 0
    assert Failure.objects.get().classification == ""


def test_classifying_again_gives_the_same_answer(land):
    land(PASSING, run_id="main-1", branch="main")
    failure = pull_request_failure(land)

    classify_upload(failure.result.upload_id)

    assert Failure.objects.get(pk=failure.pk).classification == Classification.NEW
