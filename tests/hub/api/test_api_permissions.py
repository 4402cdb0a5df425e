"""Who sees what: owners and teammates see their project, outsiders see nothing (404, empty lists),
anonymous requests are refused, and a read-only token cannot write."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from hub.projects.models import ApiToken
from tests.hub.api.factories import make_job, make_result, make_run, make_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(project) -> dict[str, str]:
    """One URL of each kind of object in acme/widgets."""
    run = make_run(project)
    test = make_test(project, "test_spins")
    make_result(make_job(run), test, "failed")
    return {
        "project": f"/api/v1/projects/{project.pk}/",
        "run": f"/api/v1/runs/{run.pk}/",
        "results": f"/api/v1/runs/{run.pk}/results/",
        "test": f"/api/v1/tests/{test.pk}/",
        "history": f"/api/v1/tests/{test.pk}/history/",
    }


KINDS = ("project", "run", "results", "test", "history")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("persona", ["owner", "teammate"])
def test_members_see_their_projects_objects(urls, client_for, request, persona, kind):
    member = request.getfixturevalue(persona)

    assert client_for(member).get(urls[kind]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_an_outsider_gets_404_for_another_teams_objects(urls, outsider, client_for, kind):
    response = client_for(outsider).get(urls[kind])

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_outsider_lists_only_their_own_projects(urls, outsider, client_for):
    listed = client_for(outsider).get("/api/v1/projects/").json()["results"]

    assert [project["full_name"] for project in listed] == ["globex/gadgets"]


def test_an_outsider_lists_no_runs_of_another_team(urls, outsider, client_for):
    assert client_for(outsider).get("/api/v1/runs/").json()["results"] == []


def test_an_outsider_filtering_by_another_teams_project_gets_an_empty_list(urls, outsider, client_for):
    response = client_for(outsider).get("/api/v1/runs/", {"project": "acme/widgets"})

    assert response.json()["results"] == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_superuser_sees_every_project(urls, superuser, client_for, kind):
    assert client_for(superuser).get(urls[kind]).status_code == 200


@pytest.mark.parametrize("kind", KINDS)
def test_an_anonymous_request_is_refused_with_401(urls, kind):
    response = APIClient().get(urls[kind])

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused(urls, owner):
    token, plain = ApiToken.issue(user=owner)
    token.revoke()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")

    assert client.get(urls["run"]).status_code == 401


def test_a_read_only_token_may_not_write(urls, owner, client_for):
    response = client_for(owner, read_only=True).post("/api/v1/runs/", {})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_a_read_write_token_reaches_the_method_check(urls, owner, client_for):
    response = client_for(owner, read_only=False).post("/api/v1/runs/", {})

    assert response.status_code == 405


def test_a_read_only_token_may_read(urls, owner, client_for):
    assert client_for(owner, read_only=True).get(urls["run"]).status_code == 200


def test_a_logged_in_session_reads_like_a_token(urls, client, owner):
    client.force_login(owner)

    assert client.get(urls["run"]).status_code == 200
