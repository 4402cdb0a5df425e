"""The flaky-tests admin: verdicts sorted by impact, a test's page with its timeline and state changes,
the quarantine actions recording the acting user, and the quarantine list. No page counts results."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services.quarantine import quarantine
from hub.flaky.services.states import change_state
from tests.hub.api.factories import make_job, make_result, make_run, make_test

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:flaky_testhealth_changelist"


def verdict(project, name: str, state: str = State.FLAKY, **fields) -> TestHealth:
    return TestHealth.objects.create(test=make_test(project, name), project=project, state=state, **fields)


@pytest.fixture
def flaky(project) -> TestHealth:
    health = verdict(project, "test_races", runs_affected=4, time_lost=125, score=0.1)
    run = make_run(project, branch="main", commit_sha="abcdef1234" + "0" * 30, pull_request=42)
    make_result(make_job(run, "unit"), health.test, "failed")
    change_state(health, State.BROKEN, reason="fails since abcdef1234", rule="broken")
    return health


def test_the_flaky_page_lists_tests_by_impact(admin_client, project):
    verdict(project, "test_rare", runs_affected=1)
    verdict(project, "test_costly", runs_affected=30)
    verdict(project, "test_middle", runs_affected=5, pull_requests_affected=2)

    response = admin_client.get(reverse(CHANGELIST))

    names = [str(row.test.name) for row in response.context["cl"].result_list]
    assert names == ["test_costly", "test_middle", "test_rare"]


def test_the_flaky_page_filters_by_state(admin_client, project):
    verdict(project, "test_flaky", State.FLAKY)
    verdict(project, "test_broken", State.BROKEN)

    response = admin_client.get(reverse(CHANGELIST), {"state__exact": "broken"})

    assert [row.test.name for row in response.context["cl"].result_list] == ["test_broken"]


def test_a_tests_page_shows_its_timeline_and_state_changes(admin_client, flaky):
    response = admin_client.get(reverse("admin:flaky_testhealth_change", args=[flaky.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "abcdef1234" in page  # the commit of a result in the timeline
    assert "fails since abcdef1234" in page  # the reason of a state change
    assert "rule:broken" in page
    assert "2 min 5 s" in page


def test_no_flaky_page_counts_results(admin_client, flaky):
    for url in (reverse(CHANGELIST), reverse("admin:flaky_testhealth_change", args=[flaky.pk])):
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(url)
        counted = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
        assert not [sql for sql in counted if "runs_testresult" in sql], url


def act(admin_client, action: str, health: TestHealth, **fields):
    data = {"action": action, "_selected_action": [health.pk], "apply": "1", **fields}
    return admin_client.post(reverse(CHANGELIST), data)


def test_the_quarantine_action_asks_for_a_reason_first(admin_client, flaky):
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "quarantine_tests", "_selected_action": [flaky.pk]}
    )

    assert response.status_code == 200
    assert b'name="reason"' in response.content
    assert not QuarantineEntry.objects.exists()


def test_the_quarantine_action_records_the_acting_user(admin_client, admin_user, flaky):
    act(admin_client, "quarantine_tests", flaky, reason="flaky on CI", owner="team-web")

    entry = QuarantineEntry.objects.get()
    assert (entry.reason, entry.owner, entry.created_by) == ("flaky on CI", "team-web", admin_user)
    change = StateChange.objects.filter(test=flaky.test).first()
    assert (change.to_state, change.user) == ("quarantined", admin_user)


def test_the_unquarantine_action_restores_the_earlier_state(admin_client, admin_user, flaky):
    quarantine(flaky.test, reason="x", user=admin_user)

    act(admin_client, "unquarantine_tests", flaky, reason="fixed upstream")

    assert TestHealth.objects.get(pk=flaky.pk).state == State.BROKEN
    assert QuarantineEntry.objects.get().removed_by == admin_user


def test_the_mark_fixed_action_records_the_acting_user(admin_client, admin_user, flaky):
    act(admin_client, "mark_tests_fixed", flaky, reason="added a lock")

    change = StateChange.objects.filter(test=flaky.test).first()
    assert (change.to_state, change.user, change.reason) == (
        "fixed",
        admin_user,
        "Marked fixed: added a lock",
    )


def test_an_action_that_cannot_apply_says_why(admin_client, admin_user, flaky):
    response = act(admin_client, "unquarantine_tests", flaky, reason="x")

    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert any("is not quarantined" in message for message in shown)


def test_the_quarantine_list_renders_with_its_entries(admin_client, admin_user, flaky):
    quarantine(flaky.test, reason="flaky on CI", owner="team-web", user=admin_user)

    response = admin_client.get(reverse("admin:flaky_quarantineentry_changelist"), {"status": "active"})

    assert response.status_code == 200
    assert b"flaky on CI" in response.content


def test_adding_an_entry_in_the_admin_goes_through_the_service(admin_client, admin_user, project):
    test = make_test(project, "test_new")
    expires = (timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d %H:%M:%S")

    response = admin_client.post(
        reverse("admin:flaky_quarantineentry_add"),
        {
            "test": test.pk,
            "reason": "slow fix",
            "owner": "",
            "expires_at_0": expires[:10],
            "expires_at_1": expires[11:],
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = QuarantineEntry.objects.get()
    assert (entry.project, entry.created_by) == (project, admin_user)
    assert TestHealth.objects.get(test=test).state == State.QUARANTINED


def test_removing_an_entry_in_the_admin_records_the_user(admin_client, admin_user, flaky):
    entry = quarantine(flaky.test, reason="x", user=admin_user)

    admin_client.post(
        reverse("admin:flaky_quarantineentry_changelist"),
        {"action": "remove_entries", "_selected_action": [entry.pk]},
    )

    entry.refresh_from_db()
    assert entry.removed_by == admin_user
    assert TestHealth.objects.get(pk=flaky.pk).state == State.BROKEN
