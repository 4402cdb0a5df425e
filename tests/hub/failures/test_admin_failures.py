"""The failure-analysis admin pages render for an operator, show a cluster's tests, filter by category,
and are read-only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.failures.models import ClusterTest, Failure, FailureCluster, JobFailure
from hub.failures.services.analysis import analyse_upload
from tests.hub.conftest import case

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(land):
    upload = land(
        case("test_db", "failed", message="Error: connect ECONNREFUSED 127.0.0.1:5432"),
        case("test_cache", "failed", message="Error: connect ECONNREFUSED 127.0.0.1:6379"),
        case("test_cart", "failed", message="assert 3 == 4"),
    )
    analyse_upload(upload.pk)
    return upload


@pytest.mark.parametrize("model", [FailureCluster, ClusterTest, Failure, JobFailure])
def test_each_changelist_and_change_page_renders(admin_client, analysed, model):
    name = f"admin:failures_{model._meta.model_name}"

    assert admin_client.get(reverse(f"{name}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{name}_change", args=[model.objects.first().pk])).status_code == 200


def test_a_clusters_page_lists_its_tests_with_a_link_to_all(admin_client, analysed):
    cluster = FailureCluster.objects.get(category="network")

    page = admin_client.get(
        reverse("admin:failures_failurecluster_change", args=[cluster.pk])
    ).content.decode()

    assert "test_db" in page
    assert "test_cache" in page
    assert "test_cart" not in page
    assert f"?cluster__exact={cluster.pk}" in page


def test_the_cluster_tests_link_lists_only_that_clusters_tests(admin_client, analysed):
    cluster = FailureCluster.objects.get(category="assertion")

    url = reverse("admin:failures_clustertest_changelist") + f"?cluster__exact={cluster.pk}"
    page = admin_client.get(url).content.decode()

    assert "test_cart" in page
    assert "test_db" not in page


def test_clusters_filter_by_category(admin_client, analysed):
    url = reverse("admin:failures_failurecluster_changelist") + "?category__exact=assertion"

    page = admin_client.get(url).content.decode()

    assert "assert &lt;n&gt; == &lt;n&gt;" in page
    assert "ECONNREFUSED" not in page


@pytest.mark.parametrize("model", [FailureCluster, Failure, JobFailure])
def test_analysis_rows_cannot_be_added_changed_or_deleted(admin_client, analysed, model):
    name = f"admin:failures_{model._meta.model_name}"
    pk = model.objects.first().pk

    assert admin_client.get(reverse(f"{name}_add")).status_code == 403
    assert admin_client.post(reverse(f"{name}_change", args=[pk]), {}).status_code == 403
    assert admin_client.get(reverse(f"{name}_delete", args=[pk])).status_code == 403


@pytest.mark.parametrize("model", [FailureCluster, ClusterTest, Failure, JobFailure])
def test_changelists_never_read_the_results_table(admin_client, analysed, model):
    with CaptureQueriesContext(connection) as queries:
        admin_client.get(reverse(f"admin:failures_{model._meta.model_name}_changelist"))

    assert not [q["sql"] for q in queries.captured_queries if "runs_testresult" in q["sql"]]
