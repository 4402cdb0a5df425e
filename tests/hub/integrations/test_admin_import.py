"""The admin's import page: "List" fills the form with the account's repositories without keeping the
token; "Import" makes the projects and shows each one's agent token and webhook secret once; only people
who may add projects reach it. GitHub is faked at the HTTP boundary as in test_imports.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from hub.projects.models import Project
from tests.hub.integrations.test_imports import HUB, TOKEN, acme, api  # noqa: F401

pytestmark = pytest.mark.django_db

FORM = {"provider": "github", "owner": "acme", "token": TOKEN, "server_url": "", "repositories": ""}


@pytest.fixture
def url() -> str:
    return reverse("admin:integrations_integration_import")


def test_listing_fills_the_form_with_the_repositories_and_not_the_token(admin_client, url, acme):  # noqa: F811
    page = admin_client.post(url, {**FORM, "list": "List"})

    body = page.content.decode()
    assert page.status_code == 200
    assert "acme/widgets\nacme/gadgets" in body
    assert TOKEN not in body
    assert not Project.objects.exists()


def test_importing_shows_the_new_projects_token_and_secret_once(admin_client, url, acme):  # noqa: F811
    page = admin_client.post(url, {**FORM, "repositories": "acme/widgets", "import": "Import"})

    project = Project.objects.get()
    body = page.content.decode()
    assert project.integration.secret("webhook_secret") in body
    assert f"{HUB}/webhooks/github" in body
    assert "orch_a_" in body


def test_the_integrations_list_links_to_the_import_page(admin_client, url):
    page = admin_client.get(reverse("admin:integrations_integration_changelist"))

    assert url in page.content.decode()


def test_staff_without_the_permission_to_add_projects_cannot_import(client, url):
    user = get_user_model().objects.create_user("viewer", password="pw-viewer-1", is_staff=True)
    client.force_login(user)

    assert client.post(url, {**FORM, "import": "Import"}).status_code == 403
