"""Tokens in the admin: created from a project and shown once, listed without secrets, revoked."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from hub.projects.models import AgentToken, ApiToken

pytestmark = pytest.mark.django_db

PLAIN = re.compile(rb"orch_a_[0-9a-f]{12}_[A-Za-z0-9_-]{20,}")


def create_token(admin_client, project, **data):
    return admin_client.post(reverse("admin:projects_project_agent_token", args=[project.pk]), data)


def test_the_project_button_creates_a_token_that_works(admin_client, project):
    response = create_token(admin_client, project)

    plain = PLAIN.search(response.content).group().decode()
    assert AgentToken.authenticate(plain).project == project


def test_the_new_token_page_is_never_cached(admin_client, project):
    response = create_token(admin_client, project)

    assert "no-store" in response["Cache-Control"]


def test_the_plain_token_is_not_shown_again(admin_client, project):
    create_token(admin_client, project)

    token = AgentToken.objects.get()
    for url in (
        reverse("admin:projects_project_change", args=[project.pk]),
        reverse("admin:projects_agenttoken_change", args=[token.pk]),
        reverse("admin:projects_agenttoken_changelist"),
    ):
        assert not PLAIN.search(admin_client.get(url).content), url


def test_creating_a_token_needs_a_post(admin_client, project):
    response = admin_client.get(reverse("admin:projects_project_agent_token", args=[project.pk]))

    assert response.status_code == 405
    assert not AgentToken.objects.exists()


def test_a_person_without_admin_access_cannot_create_a_token(client, owner, project):
    client.force_login(owner)

    response = create_token(client, project)

    assert response.status_code == 302  # to the admin login page
    assert not AgentToken.objects.exists()


def test_the_admin_action_creates_a_token_per_selected_project(admin_client, project, other_project):
    response = admin_client.post(
        reverse("admin:projects_project_changelist"),
        {"action": "create_agent_tokens", "_selected_action": [project.pk, other_project.pk]},
    )

    assert len(PLAIN.findall(response.content)) == 2
    assert set(AgentToken.objects.values_list("project__full_name", flat=True)) == {
        "acme/widgets",
        "globex/gadgets",
    }


@pytest.mark.parametrize("model", [AgentToken, ApiToken])
def test_the_revoke_action_revokes_the_selected_tokens(admin_client, project, admin_user, model):
    owner = {"project": project} if model is AgentToken else {"user": admin_user}
    (kept, _), (revoked, plain) = model.issue(**owner), model.issue(**owner)

    admin_client.post(
        reverse(f"admin:projects_{model._meta.model_name}_changelist"),
        {"action": "revoke", "_selected_action": [revoked.pk]},
    )

    assert model.authenticate(plain) is None
    assert model.objects.get(pk=kept.pk).is_active


@pytest.mark.parametrize("model", [AgentToken, ApiToken])
def test_token_pages_never_show_the_digest(admin_client, project, admin_user, model):
    token, _ = model.issue(**({"project": project} if model is AgentToken else {"user": admin_user}))
    name = model._meta.model_name

    for url in (
        reverse(f"admin:projects_{name}_changelist"),
        reverse(f"admin:projects_{name}_change", args=[token.pk]),
    ):
        page = admin_client.get(url).content
        assert token.digest.encode() not in page
        assert token.display.encode() in page
