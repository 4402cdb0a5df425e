"""When the database cannot be reached, the hub answers 503 with Retry-After: JSON for the API, webhooks
and clients asking for JSON, a short HTML page for people; never Django's HTML 500 page.

The outage is real: the default connection is swapped for one pointed where no database is (a closed
port on PostgreSQL, a file in a missing directory on SQLite), so the backend itself raises.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connections
from django.http import HttpResponse
from django.test import Client, RequestFactory

from hub.projects import services
from hub.unavailable import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware

pytestmark = pytest.mark.django_db


@pytest.fixture
def database_down():
    """Every query of the request fails to connect, as during a restart or a fail-over."""
    working = connections["default"]
    settings = {**working.settings_dict}
    if working.vendor == "sqlite":
        settings["NAME"] = "/nonexistent-directory/orchestrate.sqlite3"
    else:
        settings.update(
            HOST="127.0.0.1", PORT="1", OPTIONS={**settings.get("OPTIONS", {}), "connect_timeout": 2}
        )
    connections["default"] = working.__class__(settings, "default")
    yield
    connections["default"].close()
    connections["default"] = working


@pytest.fixture
def api_client(db) -> Client:
    user = get_user_model().objects.create_user("dana", password="pw-dana-123")
    _, plain = services.issue_api_token(user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {plain}")


@pytest.fixture
def admin_client(db) -> Client:
    user = get_user_model().objects.create_superuser("ada", password="pw-ada-123")
    client = Client()
    client.force_login(user)
    return client


def test_an_api_request_gets_503_json_with_retry_after(api_client, database_down):
    response = api_client.get("/api/v1/projects/")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["error"]["code"] == "database_unavailable"


def test_a_webhook_delivery_gets_503_json_so_the_provider_retries(client, database_down):
    response = client.post(
        "/webhooks/github",
        b'{"repository": {"full_name": "acme/widgets"}}',
        content_type="application/json",
        HTTP_X_GITHUB_EVENT="push",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + "0" * 64,
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


def test_an_admin_page_asked_for_json_gets_503_json(admin_client, database_down):
    response = admin_client.get("/admin/", HTTP_ACCEPT="application/json")

    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.json()["error"]["code"] == "database_unavailable"


def test_a_browser_gets_a_short_html_503(admin_client, database_down):
    response = admin_client.get("/admin/", HTTP_ACCEPT="text/html,application/xhtml+xml")

    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Try again in a minute" in response.content
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)


def test_a_database_error_that_is_a_bug_is_left_to_be_a_500():
    middleware = DatabaseUnavailableMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/api/v1/projects/")

    assert middleware.process_exception(request, IntegrityError("duplicate key")) is None
    assert middleware.process_exception(request, OperationalError("gone")).status_code == 503
