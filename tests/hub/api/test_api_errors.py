"""Every answer is an answer: a wrong URL, a bad page size or cursor, a filter value of the wrong type and a
NUL character each get a 4xx in the API's error shape naming the parameter, never a silent default, an
HTML page or a 500 (on PostgreSQL as on SQLite)."""

from __future__ import annotations

import json
from base64 import b64encode

import pytest
from django.test import RequestFactory

from hub.api.errors import server_error
from tests.hub.api.factories import make_job, make_run, make_test

pytestmark = pytest.mark.django_db


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    return response.json()["error"]


def test_an_api_url_that_matches_no_route_answers_404_json(owner, client_for):
    error = error_of(client_for(owner).get("/api/v1/nothing-here/"), 404)

    assert error["code"] == "not_found"
    assert "/api/schema/" in error["message"]


def test_a_page_outside_the_api_keeps_djangos_html_404(client):
    response = client.get("/nothing-here/", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("size", ["abc", "1.5", "0", "-3", "501", "١٢"])
def test_a_page_size_that_is_not_1_to_500_is_a_400_naming_it(owner, client_for, size):
    error = error_of(client_for(owner).get("/api/v1/runs/", {"page_size": size}), 400)

    assert error["details"] == {"page_size": ["A whole number from 1 to 500."]}


def test_a_cursor_the_hub_did_not_hand_out_is_a_404_saying_so(owner, client_for):
    error = error_of(client_for(owner).get("/api/v1/runs/", {"cursor": "not-a-cursor"}), 404)

    assert "follow the `next` and `previous` links" in error["message"]


def test_a_well_formed_cursor_holding_a_bad_position_is_a_404_not_a_500(project, owner, client_for):
    make_run(project)
    forged = b64encode(b"p=not-an-id").decode()

    assert client_for(owner).get("/api/v1/projects/", {"cursor": forged}).status_code == 200  # names sort
    error_of(client_for(owner).get("/api/v1/clusters/", {"cursor": forged}), 404)
    error_of(client_for(owner).get("/api/v1/runs/", {"cursor": b64encode(b"p=yesterday").decode()}), 404)


def test_a_fractional_pull_request_number_is_a_400(owner, client_for):
    error = error_of(client_for(owner).get("/api/v1/runs/", {"pull_request": "0.5"}), 400)

    assert error["details"] == {"pull_request": ["Give a whole number."]}


def test_a_whole_number_in_exponent_form_is_a_whole_number(project, owner, client_for):
    run = make_run(project, pull_request=1200)

    response = client_for(owner).get("/api/v1/runs/", {"pull_request": "1.2e3"})

    assert [row["id"] for row in response.json()["results"]] == [run.pk]


def test_a_job_id_past_any_stored_id_matches_nothing(project, owner, client_for):
    run = make_run(project)
    make_job(run)

    response = client_for(owner).get(f"/api/v1/runs/{run.pk}/results/", {"job": str(2**70)})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_a_boolean_other_than_true_or_false_is_a_400(project, owner, client_for):
    run = make_run(project)

    error = error_of(client_for(owner).get(f"/api/v1/runs/{run.pk}/results/", {"final": "maybe"}), 400)

    assert error["details"] == {"final": ["Give true or false."]}


@pytest.mark.parametrize("moment", ["2026-01-01", "2026-01-01T10:00:00", "2026-01-01 10:00:00Z"])
def test_a_time_without_its_offset_or_t_is_a_400(owner, client_for, moment):
    error = error_of(client_for(owner).get("/api/v1/runs/", {"created_after": moment}), 400)

    assert "RFC 3339" in error["details"]["created_after"][0]


def test_an_rfc_3339_time_filters(project, owner, client_for):
    make_run(project, minutes=0)
    later = make_run(project, minutes=10)

    response = client_for(owner).get("/api/v1/runs/", {"created_after": "2026-01-01T12:05:00+00:00"})

    assert [row["id"] for row in response.json()["results"]] == [later.pk]


@pytest.mark.parametrize("parameter", ["status", "pull_request", "created_after", "commit_sha"])
def test_an_empty_typed_filter_is_a_400_not_ignored(owner, client_for, parameter):
    error = error_of(client_for(owner).get("/api/v1/runs/", {parameter: ""}), 400)

    assert error["details"] == {parameter: ["Give a value, or leave the parameter out."]}


def test_an_empty_text_filter_still_means_any(project, owner, client_for):
    run = make_run(project)

    response = client_for(owner).get("/api/v1/runs/", {"branch": ""})

    assert [row["id"] for row in response.json()["results"]] == [run.pk]


@pytest.mark.parametrize(
    "path", ["/api/v1/quarantine", "/api/v1/flaky", "/api/v1/runs/", "/api/v1/projects/"]
)
def test_a_nul_character_in_a_query_parameter_is_a_400_naming_it(owner, client_for, path):
    error = error_of(client_for(owner).get(path, {"project": "acme/widgets\x00"}), 400)

    assert list(error["details"]) == ["project"]
    assert "NUL" in error["details"]["project"][0]


def test_a_blank_url_is_answered_as_null(project, owner, client_for):
    run = make_run(project, url="")
    make_job(run, url="")

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["url"] is None
    assert body["jobs"][0]["url"] is None


def test_write_endpoints_take_json_only(project, owner, client_for):
    test = make_test(project, "test_flaky")

    response = client_for(owner, read_only=False).post(
        "/api/v1/quarantine", {"test": test.pk, "reason": "flaky"}, format="multipart"
    )

    assert error_of(response, 415)["code"] == "unsupported_media_type"


def test_a_reason_padded_past_its_limit_is_refused_not_trimmed_to_fit(project, owner, client_for):
    test = make_test(project, "test_flaky")

    response = client_for(owner, read_only=False).post(
        f"/api/v1/tests/{test.pk}/mark-fixed", {"reason": "fixed" + " " * 2000}, format="json"
    )

    assert list(error_of(response, 400)["details"]) == ["reason"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/quarantine", {"test": "1", "reason": "flaky"}, "test"),
        ("/api/v1/quarantine", {"test": 1, "reason": 12}, "reason"),
        ("/api/v1/quarantine", {"test": 1, "reason": "x", "expires_at": "2999-01-01"}, "expires_at"),
        ("/api/v1/quarantine", {"test": 1, "reason": "x", "expires_at": "2999-01-01T10:00:00"}, "expires_at"),
    ],
)
def test_a_body_value_of_another_type_than_the_schema_says_is_a_400_naming_it(
    owner, client_for, path, body, field
):
    response = client_for(owner, read_only=False).post(path, body, format="json")

    assert list(error_of(response, 400)["details"]) == [field]


def test_a_rerun_flag_must_be_true_or_false(project, owner, client_for):
    run = make_run(project)

    response = client_for(owner, read_only=False).post(
        f"/api/v1/runs/{run.pk}/rerun", {"failed_only": 1}, format="json"
    )

    assert list(error_of(response, 400)["details"]) == ["failed_only"]


def test_a_crash_under_the_api_answers_500_in_the_error_shape():
    response = server_error(RequestFactory().get("/api/v1/runs/"))

    assert response.status_code == 500
    assert json.loads(response.content)["error"]["code"] == "server_error"


def test_a_crash_on_a_page_keeps_djangos_html_500():
    response = server_error(RequestFactory().get("/admin/", HTTP_ACCEPT="text/html"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
