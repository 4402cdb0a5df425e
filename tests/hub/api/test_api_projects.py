"""GET /api/v1/projects/: the projects a person belongs to, by id or by ``?full_name=``."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [project["full_name"] for project in response.json()["results"]]


def test_it_lists_only_the_projects_a_member_belongs_to(project, other_project, teammate, client_for):
    assert names(client_for(teammate).get("/api/v1/projects/")) == ["acme/widgets"]


def test_it_lists_every_project_for_a_superuser(project, other_project, superuser, client_for):
    assert names(client_for(superuser).get("/api/v1/projects/")) == ["acme/widgets", "globex/gadgets"]


def test_it_finds_a_project_by_full_name(project, other_project, superuser, client_for):
    response = client_for(superuser).get("/api/v1/projects/", {"full_name": "globex/gadgets"})

    assert names(response) == ["globex/gadgets"]


def test_it_shows_one_project_by_id(project, owner, client_for):
    body = client_for(owner).get(f"/api/v1/projects/{project.pk}/").json()

    assert body == {
        "id": project.pk,
        "full_name": "acme/widgets",
        "provider": "github",
        "server_url": None,
        "default_branch": "main",
        "created_at": body["created_at"],
    }
