"""Integration secrets: encrypted at rest, readable back, rotatable, and write-only in admin."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from hub.integrations import crypto
from hub.integrations.models import Integration

pytestmark = pytest.mark.django_db
PLAIN = "ghp_plain-secret-value-123"


def stored_column(integration: Integration, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM integrations_integration WHERE id = %s", [integration.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def integration(project) -> Integration:
    integration = Integration(project=project)
    integration.set_secret("api_token", PLAIN)
    integration.save()
    return integration


def test_a_secret_is_stored_encrypted_and_read_back(integration):
    assert PLAIN not in stored_column(integration, "api_token_encrypted")
    assert Integration.objects.get().secret("api_token") == PLAIN


def test_an_unset_secret_reads_as_none(integration):
    assert integration.secret("webhook_secret") is None
    assert not integration.has_secret("webhook_secret")


def test_the_same_secret_encrypts_differently_each_time():
    assert crypto.encrypt(PLAIN) != crypto.encrypt(PLAIN)


def test_the_integration_names_no_secret(integration):
    assert PLAIN not in str(integration)
    assert PLAIN not in repr(integration)


def test_a_dedicated_encryption_key_replaces_the_secret_key(integration, settings):
    settings.ORCHESTRATE_ENCRYPTION_KEYS = ["a-dedicated-key"]
    with pytest.raises(crypto.SecretUnreadable, match="reencrypt_secrets"):
        Integration.objects.get().secret("api_token")


def test_rotation_reads_with_the_old_key_and_rewrites_with_the_new(integration, settings):
    settings.ORCHESTRATE_ENCRYPTION_KEYS = ["old-key"]
    integration.set_secret("api_token", PLAIN)
    integration.save()

    settings.ORCHESTRATE_ENCRYPTION_KEYS = ["new-key", "old-key"]
    call_command("reencrypt_secrets")
    settings.ORCHESTRATE_ENCRYPTION_KEYS = ["new-key"]

    assert Integration.objects.get().secret("api_token") == PLAIN


def test_the_admin_change_page_never_shows_a_secret(admin_client, integration):
    page = admin_client.get(f"/admin/integrations/integration/{integration.pk}/change/")
    assert page.status_code == 200
    content = page.content.decode()
    assert PLAIN not in content
    assert stored_column(integration, "api_token_encrypted") not in content


def _post(admin_client, integration, **fields):
    data = {
        "project": integration.project_id,
        "generic_auth": "bearer",
        "generic_signature_header": "X-Orchestrate-Signature",
        "api_url": "",
        "status_mapping": "{}",
        "webhook_secret": "",
        "generic_secret": "",
        "api_token": "",
        **fields,
    }
    return admin_client.post(f"/admin/integrations/integration/{integration.pk}/change/", data)


def test_saving_the_admin_form_with_an_empty_secret_keeps_the_stored_one(admin_client, integration):
    response = _post(admin_client, integration, api_url="https://ghe.example.com/api/v3")
    assert response.status_code == 302
    saved = Integration.objects.get()
    assert (saved.secret("api_token"), saved.api_url) == (PLAIN, "https://ghe.example.com/api/v3")


def test_the_admin_form_sets_and_clears_secrets(admin_client, integration):
    _post(admin_client, integration, webhook_secret="hook-secret", clear_api_token="on")
    saved = Integration.objects.get()
    assert (saved.secret("webhook_secret"), saved.secret("api_token")) == ("hook-secret", None)


def test_the_admin_refuses_a_status_mapping_to_words_that_are_not_ours(admin_client, integration):
    response = _post(admin_client, integration, status_mapping='{"passed": "green"}')
    assert response.status_code == 200
    assert "Unknown targets" in response.content.decode()
