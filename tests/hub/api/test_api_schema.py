"""The OpenAPI schema at /api/schema/ generates cleanly: no warnings, valid OpenAPI 3."""

from __future__ import annotations

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    assert "/api/v1/runs/{id}/" in (tmp_path / "schema.yaml").read_text()


def test_the_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    assert "/api/v1/tests/{test_id}/history/" in response.json()["paths"]
