"""Analyses of several uploads at once share clusters without losing a count; the same upload analysed
twice at once is counted once."""

from __future__ import annotations

import pytest

from hub.failures.models import ClusterTest, Failure, FailureCluster
from hub.failures.services.analysis import analyse_upload
from tests.hub.conftest import case
from tests.hub.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)
UPLOADS = 8
TESTS = 30


def failures(n: int) -> list[dict]:
    # Every upload fails the same shared tests with the same failures (ports differ), plus one of its own.
    shared = [
        case(f"test_shared_{i}", "failed", message=f"Error: connect ECONNREFUSED 127.0.0.1:{5000 + n}")
        for i in range(TESTS)
    ]
    shared.append(case("test_assert", "failed", message=f"assert {n} == 0"))
    return [*shared, case(f"test_own_{n}", "failed", message="Error: connect ECONNREFUSED 10.0.0.1:80")]


def test_concurrent_analyses_of_different_uploads_lose_no_counts(land):
    uploads = [land(*failures(n), run_id=f"run-{n}", job=f"job-{n}") for n in range(UPLOADS)]

    errors = at_once(analyse_upload, [(upload.pk,) for upload in uploads])

    assert errors == []
    network = FailureCluster.objects.get(category="network")
    assert network.occurrences == UPLOADS * (TESTS + 1)
    assert network.tests == TESTS + UPLOADS
    assert ClusterTest.objects.filter(cluster=network).count() == TESTS + UPLOADS
    assert set(
        ClusterTest.objects.filter(test__name__startswith="test_shared").values_list("occurrences", flat=True)
    ) == {UPLOADS}
    assertion = FailureCluster.objects.get(category="assertion")
    assert (assertion.occurrences, assertion.tests) == (UPLOADS, 1)


def test_the_same_upload_analysed_twice_at_once_is_counted_once(land):
    upload = land(*failures(0))

    errors = at_once(analyse_upload, [(upload.pk,), (upload.pk,)])

    assert errors == []
    assert Failure.objects.count() == TESTS + 2
    assert FailureCluster.objects.get(category="network").occurrences == TESTS + 1
