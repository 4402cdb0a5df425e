"""The task queued after every ingest analyses the upload's failures, then, after the flaky verdicts are
updated, classifies a pull request's failures against its base branch."""

from __future__ import annotations

import pytest

from hub.failures.models import Failure
from hub.response import tasks
from tests.hub.conftest import case

pytestmark = pytest.mark.django_db


def test_the_ingest_task_categorises_clusters_and_classifies_a_pull_requests_failures(land):
    for n in range(3):
        tasks.upload_stored(land(case("test_cart"), run_id=f"main-{n}", branch="main", sha=f"{n}" * 40).pk)
    upload = land(
        case("test_cart", "failed", message="AssertionError: assert 3 == 4"),
        run_id="pr-1",
        branch="feature/cart",
        pull_request=7,
        base_branch="main",
        sha="f" * 40,  # the pull request's own commit: no same-commit evidence of flakiness
    )

    tasks.upload_stored(upload.pk)

    failure = Failure.objects.select_related("cluster").get()
    assert (failure.category, failure.classification) == ("assertion", "new")
    assert failure.cluster.occurrences == 1


def test_a_verdict_reached_on_the_same_upload_is_used_to_classify_it(land):
    pull_request = {"branch": "feature/cart", "pull_request": 7, "base_branch": "main", "sha": "f" * 40}
    tasks.upload_stored(land(case("test_cart"), run_id="main-1", branch="main", sha="1" * 40).pk)
    tasks.upload_stored(land(case("test_cart"), run_id="pr-1", **pull_request).pk)
    rerun = land(
        case("test_cart", "failed", message="assert 3 == 4"), run_id="pr-1", attempt=2, **pull_request
    )

    tasks.upload_stored(rerun.pk)  # passed and failed on one commit: flaky, decided by this very upload

    assert Failure.objects.get().classification == "flaky"
