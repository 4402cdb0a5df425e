"""``POST /api/v1/projects/import``: staff import an organisation's repositories and get, once, what to
paste into the provider; everyone else is refused; the provider's refusal comes back with its message.
GitHub is faked at the HTTP boundary as in test_imports.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hub.projects.models import Membership, Project
from tests.hub.api.conftest import client_for, superuser  # noqa: F401
from tests.hub.integrations.test_imports import TOKEN, acme, api  # noqa: F401
from tests.hub.operations.conftest import GITHUB

pytestmark = pytest.mark.django_db

URL = "/api/v1/projects/import"
BODY = {"provider": "github", "owner": "acme", "token": TOKEN, "repositories": ["acme/widgets"]}


@pytest.fixture
def staff(client_for):  # noqa: F811
    user = get_user_model().objects.create_user("stella", is_staff=True)
    return client_for(user, read_only=False)


def test_staff_import_a_repository_and_become_its_owner(staff, acme):  # noqa: F811
    answer = staff.post(URL, {**BODY, "create_webhooks": True}, format="json")

    assert answer.status_code == 200, answer.content
    (row,) = answer.json()["results"]
    project = Project.objects.get()
    assert (row["full_name"], row["project"], row["created"], row["webhook"], row["pinged"]) == (
        "acme/widgets",
        project.pk,
        True,
        "created",
        True,
    )
    assert row["agent_token"].startswith("orch_a_")
    assert "token" not in answer.json()
    assert TOKEN not in answer.content.decode()
    assert Membership.objects.get(project=project).user.username == "stella"


def test_importing_again_answers_the_same_project_without_new_secrets(staff, acme):  # noqa: F811
    staff.post(URL, BODY, format="json")

    (row,) = staff.post(URL, BODY, format="json").json()["results"]

    assert (row["created"], row["agent_token"], row["webhook_secret"]) == (False, "", "")
    assert Project.objects.count() == 1


def test_someone_not_staff_is_refused(client_for, owner, acme):  # noqa: F811
    body = {**BODY, "repositories": ["acme/gadgets"]}

    answer = client_for(owner, read_only=False).post(URL, body, format="json")

    assert answer.status_code == 403
    assert not Project.objects.filter(full_name="acme/gadgets").exists()


def test_a_read_only_token_is_refused_even_for_staff(client_for, superuser, acme):  # noqa: F811
    answer = client_for(superuser, read_only=True).post(URL, BODY, format="json")

    assert answer.status_code == 403


def test_a_token_the_provider_refuses_is_a_502_with_its_message(staff, api):  # noqa: F811
    api.get(f"{GITHUB}/orgs/acme/repos", status=401, json={"message": "Bad credentials"})

    answer = staff.post(URL, BODY, format="json")

    assert answer.status_code == 502
    assert "Bad credentials" in answer.json()["error"]["message"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("owner", "acme\n"), ("token", "has space"), ("repositories", ["widgets"]), ("server_url", "gitlab")],
)
def test_a_malformed_field_is_refused_by_name(staff, field, value):
    answer = staff.post(URL, {**BODY, field: value}, format="json")

    assert answer.status_code == 400
    assert field in answer.json()["error"]["details"]
