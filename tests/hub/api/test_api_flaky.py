"""The flaky-tests API and the quarantine list: what members see, what the agent may fetch, and who may
change the list. Verdict rows are built as detection leaves them; the quarantine goes through the real
service."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services.quarantine import quarantine
from hub.flaky.services.states import change_state
from hub.runs.services.identity import test_key
from tests.hub.api.factories import make_run, make_test

pytestmark = pytest.mark.django_db


def verdict(project, name: str, state: str, **fields) -> TestHealth:
    test = make_test(project, name, file=f"tests/{name}.py")
    return TestHealth.objects.create(test=test, project=project, state=state, **fields)


def agent_client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.fixture
def flaky(project) -> TestHealth:
    run = make_run(project)
    return verdict(
        project,
        "test_races",
        State.FLAKY,
        score=0.12,
        confidence_low=0.05,
        confidence_high=0.2,
        evidence=[{"signal": "retry", "run": run.pk}],
        onset_sha="c" * 40,
        onset_run=run,
        runs_affected=9,
        pull_requests_affected=3,
        time_lost=420.0,
    )


# GET /api/v1/flaky


def test_the_flaky_list_shows_each_tests_verdict(flaky, owner, client_for):
    listed = client_for(owner).get("/api/v1/flaky", {"project": "acme/widgets"}).json()["results"]

    assert listed == [
        {
            "test": {
                "id": flaky.test_id,
                "suite": "",
                "classname": "tests.test_widgets",
                "name": "test_races",
                "file": "tests/test_races.py",
                "key": flaky.test.key_hex,
            },
            "state": "flaky",
            "state_since": listed[0]["state_since"],
            "score": 0.12,
            "confidence": {"low": 0.05, "high": 0.2},
            "evidence": [{"signal": "retry", "run": flaky.onset_run_id}],
            "onset": {"sha": "c" * 40, "run": flaky.onset_run_id},
            "impact": {"runs_affected": 9, "pull_requests_affected": 3, "time_lost": 420.0},
            "quarantine": None,
        }
    ]


def test_the_flaky_list_is_sorted_by_impact(project, owner, client_for):
    verdict(project, "test_rare", State.FLAKY, runs_affected=1)
    verdict(project, "test_costly", State.BROKEN, runs_affected=30)
    verdict(project, "test_slow", State.FLAKY, runs_affected=1, time_lost=900)

    listed = client_for(owner).get("/api/v1/flaky", {"project": "acme/widgets"}).json()["results"]

    assert [row["test"]["name"] for row in listed] == ["test_costly", "test_slow", "test_rare"]


def test_the_flaky_list_leaves_out_healthy_and_fixed_tests_by_default(project, owner, client_for):
    for state in State.values:
        verdict(project, f"test_{state}", state)

    listed = client_for(owner).get("/api/v1/flaky", {"project": "acme/widgets"}).json()["results"]

    assert sorted(row["state"] for row in listed) == ["broken", "flaky", "quarantined", "suspected"]


def test_the_flaky_list_filters_by_state(project, owner, client_for):
    for state in State.values:
        verdict(project, f"test_{state}", state)

    response = client_for(owner).get("/api/v1/flaky", {"project": "acme/widgets", "state": "fixed,healthy"})

    assert sorted(row["state"] for row in response.json()["results"]) == ["fixed", "healthy"]


def test_an_unknown_state_is_a_400_naming_the_good_ones(flaky, owner, client_for):
    response = client_for(owner).get("/api/v1/flaky", {"project": "acme/widgets", "state": "flakey"})

    assert response.status_code == 400
    assert "flakey" in response.json()["error"]["details"]["state"][0]


def test_the_flaky_list_needs_a_project(flaky, owner, client_for):
    response = client_for(owner).get("/api/v1/flaky")

    assert response.status_code == 400
    assert "project" in response.json()["error"]["details"]


def test_the_flaky_list_shows_a_tests_active_quarantine(flaky, owner, client_for):
    quarantine(flaky.test, reason="races on CI", owner="team-web", user=owner)

    listed = client_for(owner).get("/api/v1/flaky", {"project": "acme/widgets"}).json()["results"]

    assert listed[0]["state"] == "quarantined"
    assert (listed[0]["quarantine"]["reason"], listed[0]["quarantine"]["owner"]) == (
        "races on CI",
        "team-web",
    )
    assert listed[0]["quarantine"]["created_by"] == "olivia"


def test_an_outsider_gets_404_for_another_teams_flaky_list(flaky, outsider, client_for):
    response = client_for(outsider).get("/api/v1/flaky", {"project": "acme/widgets"})

    assert response.status_code == 404


def test_the_flaky_list_does_not_read_results(flaky, owner, client_for):
    client = client_for(owner)
    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/flaky", {"project": "acme/widgets"})

    assert not [q["sql"] for q in queries.captured_queries if "runs_testresult" in q["sql"]]


# GET /api/v1/tests/{id}/health/


def test_a_tests_health_shows_its_signals_and_state_changes_newest_first(flaky, owner, client_for):
    flaky.runs, flaky.failures, flaky.retry_flakes = 40, 5, 2
    flaky.save()
    change_state(flaky, State.BROKEN, reason="fails every run since c0ffee", rule="broken")

    body = client_for(owner).get(f"/api/v1/tests/{flaky.test_id}/health/").json()

    assert body["state"] == "broken"
    assert (body["signals"]["runs"], body["signals"]["failures"], body["signals"]["retry_flakes"]) == (
        40,
        5,
        2,
    )
    assert [(c["from_state"], c["to_state"], c["rule"]) for c in body["state_changes"]] == [
        ("flaky", "broken", "broken")
    ]


def test_a_test_never_judged_is_healthy(project, owner, client_for):
    test = make_test(project, "test_quiet")

    body = client_for(owner).get(f"/api/v1/tests/{test.pk}/health/").json()

    assert (body["state"], body["score"], body["state_changes"]) == ("healthy", 0.0, [])
    assert not TestHealth.objects.filter(test=test).exists()


def test_an_outsider_gets_404_for_another_teams_test_health(flaky, outsider, client_for):
    assert client_for(outsider).get(f"/api/v1/tests/{flaky.test_id}/health/").status_code == 404


# GET /api/v1/quarantine


def test_the_agent_token_fetches_its_projects_quarantine_list(flaky, owner, agent_token):
    expires = timezone.now() + timedelta(days=5)
    quarantine(flaky.test, reason="races", owner="team-web", expires_at=expires, user=owner)

    body = agent_client(agent_token).get("/api/v1/quarantine").json()

    assert body["project"] == "acme/widgets"
    [entry] = body["entries"]
    assert entry["test"]["key"] == test_key(("tests.test_widgets", "test_races", "tests/test_races.py")).hex()
    assert (entry["reason"], entry["owner"], entry["automatic"]) == ("races", "team-web", False)
    assert entry["expires_at"] is not None


def test_expired_and_removed_entries_are_not_listed(project, owner, agent_token):
    expired = quarantine(make_test(project, "test_old"), reason="x", user=owner)
    QuarantineEntry.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    removed = quarantine(make_test(project, "test_gone"), reason="x", user=owner)
    removed.removed_at = timezone.now()
    removed.save()

    assert agent_client(agent_token).get("/api/v1/quarantine").json()["entries"] == []


def test_an_agent_token_cannot_read_another_projects_list(flaky, other_project, agent_token):
    response = agent_client(agent_token).get("/api/v1/quarantine", {"project": "globex/gadgets"})

    assert response.status_code == 403
    assert "belongs to acme/widgets" in response.json()["error"]["message"]


def test_an_agent_token_cannot_add_to_the_list(flaky, agent_token):
    response = agent_client(agent_token).post(
        "/api/v1/quarantine", {"test": flaky.test_id, "reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert not QuarantineEntry.objects.exists()


def test_members_read_the_list_with_an_api_token(flaky, teammate, client_for):
    response = client_for(teammate).get("/api/v1/quarantine", {"project": "acme/widgets"})

    assert response.json() == {"project": "acme/widgets", "entries": []}


def test_an_unchanged_list_answers_304_to_its_etag(flaky, owner, agent_token):
    quarantine(flaky.test, reason="races", user=owner)
    client = agent_client(agent_token)
    etag = client.get("/api/v1/quarantine")["ETag"]

    assert client.get("/api/v1/quarantine", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_a_changed_list_gets_a_new_etag(flaky, project, owner, agent_token):
    client = agent_client(agent_token)
    before = client.get("/api/v1/quarantine")["ETag"]
    quarantine(flaky.test, reason="races", user=owner)

    response = client.get("/api/v1/quarantine", HTTP_IF_NONE_MATCH=before)

    assert response.status_code == 200
    assert response["ETag"] != before


def test_an_outsider_gets_404_for_another_teams_quarantine_list(flaky, outsider, client_for):
    assert client_for(outsider).get("/api/v1/quarantine", {"project": "acme/widgets"}).status_code == 404


def test_anonymous_requests_are_refused(flaky):
    assert APIClient().get("/api/v1/quarantine", {"project": "acme/widgets"}).status_code in (401, 403)


# POST /api/v1/quarantine, DELETE /api/v1/quarantine/{id}, POST /api/v1/tests/{id}/mark-fixed


def test_a_member_quarantines_a_test(flaky, teammate, client_for):
    response = client_for(teammate, read_only=False).post(
        "/api/v1/quarantine",
        {"test": flaky.test_id, "reason": "races on CI", "owner": "team-web"},
        format="json",
    )

    assert response.status_code == 201
    entry = QuarantineEntry.objects.get()
    assert (entry.created_by, entry.reason, response.json()["id"]) == (teammate, "races on CI", entry.pk)
    assert StateChange.objects.filter(test=flaky.test).first().user == teammate


def test_a_read_only_token_cannot_quarantine(flaky, owner, client_for):
    response = client_for(owner).post(
        "/api/v1/quarantine", {"test": flaky.test_id, "reason": "x"}, format="json"
    )

    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]


def test_an_outsider_cannot_quarantine_another_teams_test(flaky, outsider, client_for):
    response = client_for(outsider, read_only=False).post(
        "/api/v1/quarantine", {"test": flaky.test_id, "reason": "x"}, format="json"
    )

    assert response.status_code == 404
    assert not QuarantineEntry.objects.exists()


def test_quarantining_twice_is_a_409_that_names_the_entry(flaky, owner, client_for):
    first = quarantine(flaky.test, reason="races", user=owner)

    response = client_for(owner, read_only=False).post(
        "/api/v1/quarantine", {"test": flaky.test_id, "reason": "again"}, format="json"
    )

    assert response.status_code == 409
    assert f"entry {first.pk}" in response.json()["error"]["message"]


def test_an_expiry_in_the_past_is_a_400(flaky, owner, client_for):
    past = (timezone.now() - timedelta(days=1)).isoformat()

    response = client_for(owner, read_only=False).post(
        "/api/v1/quarantine", {"test": flaky.test_id, "reason": "x", "expires_at": past}, format="json"
    )

    assert response.status_code == 400
    assert "expires_at" in response.json()["error"]["details"]


def test_a_member_removes_an_entry_and_the_test_gets_its_state_back(flaky, owner, client_for):
    entry = quarantine(flaky.test, reason="races", user=owner)

    response = client_for(owner, read_only=False).delete(f"/api/v1/quarantine/{entry.pk}?reason=fixed")

    assert response.status_code == 204
    entry.refresh_from_db()
    assert (entry.removed_by, entry.removed_reason) == (owner, "fixed")
    assert TestHealth.objects.get(pk=flaky.pk).state == State.FLAKY


def test_an_outsider_cannot_remove_another_teams_entry(flaky, owner, outsider, client_for):
    entry = quarantine(flaky.test, reason="races", user=owner)

    assert client_for(outsider, read_only=False).delete(f"/api/v1/quarantine/{entry.pk}").status_code == 404
    entry.refresh_from_db()
    assert entry.removed_at is None


def test_a_member_marks_a_test_fixed(flaky, owner, client_for):
    quarantine(flaky.test, reason="races", user=owner)

    response = client_for(owner, read_only=False).post(
        f"/api/v1/tests/{flaky.test_id}/mark-fixed", {"reason": "added a lock"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["quarantine"]) == ("fixed", None)
    assert not QuarantineEntry.objects.active().exists()


def test_an_outsider_cannot_mark_another_teams_test_fixed(flaky, outsider, client_for):
    response = client_for(outsider, read_only=False).post(f"/api/v1/tests/{flaky.test_id}/mark-fixed", {})

    assert response.status_code == 404
    assert TestHealth.objects.get(pk=flaky.pk).state == State.FLAKY
