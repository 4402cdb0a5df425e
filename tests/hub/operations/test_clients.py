"""The one way the hub gets a provider client for a project: which client, which API, which token."""

from __future__ import annotations

import pytest

from agent.providers.github import GitHubProvider
from agent.providers.gitlab import GitLabProvider
from hub.integrations.clients import ClientUnavailable, client_for
from hub.projects.models import Project
from tests.hub.operations.conftest import PROVIDER_TOKEN, give_token

pytestmark = pytest.mark.django_db


def test_a_github_project_gets_a_github_client_with_its_integrations_token(with_token):
    client = client_for(with_token)

    assert isinstance(client, GitHubProvider)
    assert (client.repo, client.token, client.api_url) == (
        "acme/widgets",
        PROVIDER_TOKEN,
        "https://api.github.com",
    )


def test_a_github_enterprise_project_talks_to_its_servers_api():
    project = Project.objects.create(
        full_name="acme/tools", provider="github-enterprise", server_url="https://ghe.acme.test"
    )
    give_token(project)

    assert client_for(project).api_url == "https://ghe.acme.test/api/v3"


def test_a_self_managed_gitlab_project_talks_to_its_instances_api():
    project = Project.objects.create(
        full_name="group/sub/app", provider="gitlab-self-managed", server_url="https://gitlab.acme.test"
    )
    give_token(project)

    client = client_for(project)
    assert isinstance(client, GitLabProvider)
    assert client.api_url == "https://gitlab.acme.test/api/v4"


def test_the_integrations_api_url_overrides_the_projects_server(project):
    give_token(project, api_url="https://proxy.acme.test/github/api/v3")

    assert client_for(project).api_url == "https://proxy.acme.test/github/api/v3"


def test_provider_options_in_the_projects_settings_reach_the_client(other_project):
    other_project.settings = {"provider_config": {"workflow_variable": "WORKFLOW"}}
    other_project.save()
    give_token(other_project)

    assert client_for(other_project).config["workflow_variable"] == "WORKFLOW"


def test_a_project_without_a_token_is_refused_with_where_to_set_one(project):
    with pytest.raises(ClientUnavailable) as refused:
        client_for(project)

    assert "acme/widgets has no provider API token" in refused.value.message
    assert "admin" in refused.value.hint


def test_a_ci_the_hub_cannot_drive_is_named():
    project = Project.objects.create(full_name="acme/legacy", provider="jenkins")
    give_token(project)

    with pytest.raises(ClientUnavailable, match="no API client for Jenkins"):
        client_for(project)


def test_a_custom_ci_is_described_by_the_projects_provider_config_and_uses_the_integrations_token():
    project = Project.objects.create(
        full_name="acme/inhouse",
        provider="custom",
        settings={"provider_config": {"status_url": "https://ci.acme.test/api/status/{run_id}"}},
    )
    give_token(project)

    client = client_for(project)

    assert client.name == "custom"
    assert client.http.headers["Authorization"] == f"Bearer {PROVIDER_TOKEN}"


def test_a_token_that_cannot_be_decrypted_is_refused_with_how_to_recover(with_token, settings):
    settings.ORCHESTRATE_ENCRYPTION_KEYS = ["a-key-that-did-not-encrypt-it"]

    with pytest.raises(ClientUnavailable) as refused:
        client_for(with_token)

    assert "cannot be read" in refused.value.message
    assert "reencrypt_secrets" in refused.value.hint
