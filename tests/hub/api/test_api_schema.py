"""The OpenAPI schema at /api/schema/ generates cleanly: no warnings, valid OpenAPI 3."""

from __future__ import annotations

import json

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


@pytest.fixture
def schema(client) -> dict:
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def operations(schema: dict):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method != "parameters":
                yield f"{method.upper()} {path}", operation


def test_every_operation_documents_the_errors_it_can_answer(schema):
    for name, operation in operations(schema):
        missing = {"400", "401", "403", "404", "429", "503"} - set(operation["responses"])
        assert not missing, f"{name} does not document {sorted(missing)}"


def test_operations_that_take_a_body_document_the_media_type_refusal(schema):
    assert "415" in schema["paths"]["/api/v1/quarantine"]["post"]["responses"]
    assert "415" not in schema["paths"]["/api/v1/quarantine"]["get"]["responses"]


def test_documented_errors_have_the_error_shape_and_waits_name_retry_after(schema):
    runs = schema["paths"]["/api/v1/runs/"]["get"]["responses"]

    assert runs["404"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in runs["503"]["headers"]
    assert "Retry-After" in runs["429"]["headers"]


def test_the_quarantine_list_says_project_is_required(schema):
    parameters = schema["paths"]["/api/v1/quarantine"]["get"]["parameters"]

    assert [p["required"] for p in parameters if p["name"] == "project"] == [True]


def test_page_size_is_described_with_its_bounds(schema):
    parameters = schema["paths"]["/api/v1/runs/"]["get"]["parameters"]

    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 500}


def test_fields_that_may_be_empty_are_described_as_nullable(schema):
    components = schema["components"]["schemas"]

    assert components["Project"]["properties"]["server_url"]["nullable"] is True
    assert components["Run"]["properties"]["url"]["nullable"] is True
    assert components["QuarantineBrief"]["properties"]["created_by"]["nullable"] is True


def test_the_report_upload_describes_the_agents_document_and_the_form(schema):
    body = schema["paths"]["/api/v1/reports"]["post"]["requestBody"]
    document = body["content"]["application/json"]["schema"]

    assert body["required"] is True
    assert document["required"] == ["version", "run", "cases"]
    assert document["properties"]["run"]["properties"]["branch"] == {
        "type": "string",
        "maxLength": 500,
        "nullable": True,
    }
    assert body["content"]["multipart/form-data"]["schema"]["required"] == ["run_id"]
    assert "$defs" not in json.dumps(document)
    assert '"const"' not in json.dumps(document)


def test_the_artifact_upload_describes_its_form(schema):
    form = schema["paths"]["/api/v1/artifacts"]["post"]["requestBody"]["content"]["multipart/form-data"]

    assert form["schema"]["required"] == ["file", "sha256", "run_id"]
    assert form["schema"]["properties"]["file"] == {"type": "string", "format": "binary"}
