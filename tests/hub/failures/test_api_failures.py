"""The failure endpoints: a project's clusters (list and one with its tests) and a run's classified
failures; members see them, outsiders get 404 or nothing, bad filters are a 400 naming the field."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hub.failures.models import FailureCluster
from hub.failures.services.analysis import analyse_upload
from hub.failures.services.classification import classify_upload
from tests.hub.conftest import case

pytestmark = pytest.mark.django_db

REFUSED = "Error: connect ECONNREFUSED 127.0.0.1:{}"


@pytest.fixture
def analysed(land):
    """Two runs of acme/widgets: a network failure in three tests, an assertion in one; the second run is a
    pull request whose assertion is new (it passes on main)."""
    first = land(
        case("test_db", "failed", message=REFUSED.format(5432)),
        case("test_cache", "failed", message=REFUSED.format(6379)),
        case("test_cart"),
        run_id="main-1",
        started_at="2026-01-01T10:00:00Z",
    )
    second = land(
        case("test_db", "failed", message=REFUSED.format(5433)),
        case("test_queue", "failed", message=REFUSED.format(5672)),
        case("test_cart", "failed", message="AssertionError: assert 3 == 4 " + "x" * 1000),
        run_id="pr-1",
        branch="feature/cart",
        base_branch="main",
        pull_request=7,
        started_at="2026-01-03T10:00:00Z",
    )
    for upload in (first, second):
        analyse_upload(upload.pk)
        classify_upload(upload.pk)
    return {"network": FailureCluster.objects.get(category="network"), "run": second.run}


@pytest.mark.parametrize("persona", ["owner", "teammate"])
def test_members_list_their_projects_clusters(analysed, client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).get("/api/v1/clusters/?project=acme/widgets")

    assert response.status_code == 200
    clusters = response.json()["results"]
    assert [c["category"] for c in clusters] == ["assertion", "network"]  # most recently seen first
    network = clusters[1]
    assert network["project"] == "acme/widgets"
    assert network["rule"] == "connection-refused-or-reset"
    assert network["normalised"] == "Error: connect ECONNREFUSED <ip>"
    assert (network["occurrences"], network["tests"]) == (4, 3)
    assert network["first_seen"].startswith("2026-01-01T10:00:00")
    assert network["last_seen"].startswith("2026-01-03T10:00:00")


def test_clusters_sort_by_occurrences_on_request(analysed, client_for, owner):
    response = client_for(owner).get("/api/v1/clusters/", {"sort": "occurrences"})

    assert [c["category"] for c in response.json()["results"]] == ["network", "assertion"]


def test_clusters_filter_by_category(analysed, client_for, owner):
    response = client_for(owner).get("/api/v1/clusters/", {"category": "assertion"})

    assert [c["category"] for c in response.json()["results"]] == ["assertion"]


@pytest.mark.parametrize(("param", "value"), [("category", "flaky"), ("sort", "newest")])
def test_a_bad_cluster_filter_is_a_400_naming_it(analysed, client_for, owner, param, value):
    response = client_for(owner).get("/api/v1/clusters/", {param: value})

    assert response.status_code == 400
    assert param in response.content.decode()


def test_a_cluster_shows_the_tests_it_touched(analysed, client_for, owner):
    cluster = analysed["network"]

    response = client_for(owner).get(f"/api/v1/clusters/{cluster.pk}/")

    assert response.status_code == 200
    members = {m["test"]["name"]: m["occurrences"] for m in response.json()["members"]}
    assert members == {"test_db": 2, "test_cache": 1, "test_queue": 1}


def test_outsiders_see_no_clusters_and_get_404_for_one(analysed, client_for, outsider):
    client = client_for(outsider)

    assert client.get("/api/v1/clusters/").json()["results"] == []
    assert client.get("/api/v1/clusters/?project=acme/widgets").json()["results"] == []
    assert client.get(f"/api/v1/clusters/{analysed['network'].pk}/").status_code == 404


def test_a_superuser_sees_every_projects_clusters(analysed, client_for, superuser, other_project):
    FailureCluster.objects.create(project=other_project, fingerprint="f" * 64, normalised="boom")

    projects = {c["project"] for c in client_for(superuser).get("/api/v1/clusters/").json()["results"]}

    assert projects == {"acme/widgets", "globex/gadgets"}


@pytest.mark.parametrize("path", ["/api/v1/clusters/", "/api/v1/runs/1/failures/"])
def test_anonymous_requests_are_refused(analysed, path):
    assert APIClient().get(path).status_code == 401


def test_a_runs_failures_carry_category_rule_cluster_and_classification(analysed, client_for, owner):
    run = analysed["run"]

    response = client_for(owner).get(f"/api/v1/runs/{run.pk}/failures/")

    assert response.status_code == 200
    failures = {f["test"]["name"]: f for f in response.json()["results"]}
    assert set(failures) == {"test_db", "test_queue", "test_cart"}
    cart = failures["test_cart"]
    assert (cart["category"], cart["rule"], cart["classification"]) == ("assertion", "assertion", "new")
    assert cart["status"] == "failed"
    assert cart["job_name"] == "test"
    assert cart["message"].startswith("AssertionError: assert 3 == 4")
    assert len(cart["message"]) == 500
    assert failures["test_db"]["cluster"] == analysed["network"].pk
    assert failures["test_db"]["classification"] == "already_failing"
    assert failures["test_queue"]["classification"] == "no_baseline"


def test_a_runs_failures_filter_by_classification(analysed, client_for, owner):
    run = analysed["run"]

    response = client_for(owner).get(f"/api/v1/runs/{run.pk}/failures/", {"classification": "new"})

    assert [f["test"]["name"] for f in response.json()["results"]] == ["test_cart"]


def test_outsiders_get_404_for_a_runs_failures(analysed, client_for, outsider):
    assert client_for(outsider).get(f"/api/v1/runs/{analysed['run'].pk}/failures/").status_code == 404


def test_the_failure_endpoints_are_in_the_openapi_schema(client):
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]

    assert {"/api/v1/clusters/", "/api/v1/clusters/{id}/", "/api/v1/runs/{run_id}/failures/"} <= set(paths)
