"""The quarantine list: who may add a test, what happens to its state on the way in and out, and how
entries expire. Real models and the real state-change service; nothing of ours is faked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.flaky.models import QuarantineEntry, StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services.quarantine import (
    QuarantineError,
    expire_entries,
    mark_fixed,
    on_verdict,
    quarantine,
    unquarantine,
)
from hub.flaky.services.states import change_state, health_for
from hub.flaky.tasks import expire_quarantine
from tests.hub.api.factories import make_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_case(project):
    return make_test(project, "test_sometimes")


def judged(test, state: str) -> TestHealth:
    """The test's health as detection would leave it: in ``state``, moved there by a rule."""
    health = health_for(test)
    change_state(health, state, reason="detection", rule="test-rule")
    return health


def test_a_person_quarantines_a_test_with_a_reason_owner_and_expiry(test_case, owner):
    expires = timezone.now() + timedelta(days=3)

    entry = quarantine(test_case, reason="races on CI", owner="team-web", expires_at=expires, user=owner)

    assert (entry.reason, entry.owner, entry.expires_at, entry.created_by, entry.automatic) == (
        "races on CI",
        "team-web",
        expires,
        owner,
        False,
    )
    assert list(QuarantineEntry.objects.active()) == [entry]


def test_quarantine_moves_the_test_to_quarantined_and_records_who(test_case, owner):
    judged(test_case, State.FLAKY)

    quarantine(test_case, reason="races on CI", user=owner)

    change = StateChange.objects.filter(test=test_case).first()
    assert (change.from_state, change.to_state, change.user) == ("flaky", "quarantined", owner)
    assert TestHealth.objects.get(test=test_case).state == State.QUARANTINED


def test_an_entry_without_an_expiry_gets_the_configured_default(test_case, owner, settings):
    settings.QUARANTINE_DAYS = 7

    entry = quarantine(test_case, reason="slow fix", user=owner)

    assert timedelta(days=6, hours=23) < entry.expires_at - timezone.now() <= timedelta(days=7)


def test_an_expiry_in_the_past_is_refused(test_case, owner):
    with pytest.raises(QuarantineError, match="in the past"):
        quarantine(test_case, reason="x", expires_at=timezone.now() - timedelta(minutes=1), user=owner)


def test_a_quarantine_without_a_reason_is_refused(test_case, owner):
    with pytest.raises(QuarantineError, match="needs a reason"):
        quarantine(test_case, reason="  ", user=owner)


def test_a_test_cannot_be_quarantined_twice(test_case, owner):
    quarantine(test_case, reason="first", user=owner)

    with pytest.raises(QuarantineError, match="already quarantined"):
        quarantine(test_case, reason="second", user=owner)


def test_a_person_may_quarantine_a_broken_test(test_case, owner):
    judged(test_case, State.BROKEN)

    quarantine(test_case, reason="fix is in review", user=owner)

    assert health_for(test_case).state == State.QUARANTINED


def test_unquarantine_returns_the_test_to_the_state_it_had_before(test_case, owner):
    judged(test_case, State.BROKEN)
    entry = quarantine(test_case, reason="fix is in review", user=owner)

    unquarantine(entry, reason="fix merged", user=owner)

    entry.refresh_from_db()
    assert (entry.removed_by, entry.removed_reason) == (owner, "fix merged")
    assert health_for(test_case).state == State.BROKEN
    assert StateChange.objects.filter(test=test_case).first().user == owner


def test_unquarantine_accepts_the_test_instead_of_the_entry(test_case, owner):
    judged(test_case, State.FLAKY)
    quarantine(test_case, reason="races", user=owner)

    unquarantine(test_case, reason="done", user=owner)

    assert not QuarantineEntry.objects.active().exists()
    assert health_for(test_case).state == State.FLAKY


def test_unquarantining_a_test_that_is_not_quarantined_says_so(test_case, owner):
    with pytest.raises(QuarantineError, match="is not quarantined"):
        unquarantine(test_case, reason="done", user=owner)


def test_removing_an_entry_twice_says_it_was_already_removed(test_case, owner):
    entry = quarantine(test_case, reason="races", user=owner)
    unquarantine(entry, reason="done", user=owner)

    with pytest.raises(QuarantineError, match="already removed"):
        unquarantine(entry, reason="again", user=owner)


def test_mark_fixed_closes_the_entry_and_sets_the_state_to_fixed(test_case, owner):
    judged(test_case, State.FLAKY)
    entry = quarantine(test_case, reason="races", user=owner)

    change = mark_fixed(test_case, reason="added a lock", user=owner)

    entry.refresh_from_db()
    assert entry.removed_at is not None
    assert entry.removed_by == owner
    assert (change.from_state, change.to_state, change.user) == ("quarantined", "fixed", owner)


def test_mark_fixed_works_on_a_test_outside_quarantine(test_case, owner):
    judged(test_case, State.FLAKY)

    mark_fixed(test_case, reason="added a lock", user=owner)

    assert health_for(test_case).state == State.FIXED


def test_a_flaky_verdict_quarantines_automatically_when_the_project_allows(test_case, project, settings):
    settings.QUARANTINE_DAYS = 30
    project.auto_quarantine = True
    project.save()
    health = judged(test_case, State.FLAKY)

    entry = on_verdict(health)

    assert entry.automatic
    assert entry.created_by is None
    assert timedelta(days=29) < entry.expires_at - timezone.now() <= timedelta(days=30)
    change = StateChange.objects.filter(test=test_case).first()
    assert (change.to_state, change.rule, change.user) == ("quarantined", "auto-quarantine", None)


def test_a_flaky_verdict_does_nothing_when_the_project_does_not_allow_it(test_case):
    health = judged(test_case, State.FLAKY)

    assert on_verdict(health) is None
    assert not QuarantineEntry.objects.exists()


def test_a_broken_verdict_is_never_quarantined_automatically(test_case, project):
    project.auto_quarantine = True
    project.save()
    health = judged(test_case, State.BROKEN)

    assert on_verdict(health) is None
    assert not QuarantineEntry.objects.exists()


def test_automatic_quarantine_refuses_a_test_that_is_not_flaky(test_case):
    judged(test_case, State.BROKEN)

    with pytest.raises(QuarantineError, match="Only flaky tests"):
        quarantine(test_case, reason="auto", automatic=True)


def test_a_verdict_on_a_test_already_quarantined_adds_no_second_entry(test_case, project, owner):
    project.auto_quarantine = True
    project.save()
    health = judged(test_case, State.FLAKY)
    quarantine(test_case, reason="by hand", user=owner)
    health.state = State.FLAKY  # a stale copy, as a detection run might hold

    assert on_verdict(health) is None
    assert QuarantineEntry.objects.count() == 1


def test_an_expired_entry_stops_applying_before_it_is_closed(test_case, owner):
    entry = quarantine(test_case, reason="races", user=owner, expires_at=timezone.now() + timedelta(hours=1))

    later = timezone.now() + timedelta(hours=2)

    assert QuarantineEntry.objects.active(now=later).filter(pk=entry.pk).exists() is False


def test_expiry_closes_due_entries_and_records_the_state_change(test_case, project, owner):
    other = make_test(project, "test_other")
    judged(test_case, State.FLAKY)
    due = quarantine(test_case, reason="races", user=owner, expires_at=timezone.now() + timedelta(hours=1))
    kept = quarantine(other, reason="slow", user=owner, expires_at=timezone.now() + timedelta(days=9))

    closed = expire_entries(now=timezone.now() + timedelta(hours=2))

    due.refresh_from_db()
    kept.refresh_from_db()
    assert closed == 1
    assert due.removed_at is not None
    assert "expired" in due.removed_reason
    assert kept.removed_at is None
    change = StateChange.objects.filter(test=test_case).first()
    assert (change.from_state, change.to_state, change.rule) == ("quarantined", "flaky", "quarantine-expiry")


def test_the_scheduled_task_closes_entries_that_have_expired(test_case, owner):
    entry = quarantine(test_case, reason="races", user=owner)
    QuarantineEntry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert expire_quarantine() == 1
    assert health_for(test_case).state == State.HEALTHY


def test_a_test_whose_entry_expired_can_be_quarantined_again(test_case, owner):
    entry = quarantine(test_case, reason="races", user=owner)
    QuarantineEntry.objects.filter(pk=entry.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    again = quarantine(test_case, reason="still racing", user=owner)

    assert list(QuarantineEntry.objects.active()) == [again]
    assert health_for(test_case).state == State.QUARANTINED


def test_the_expiry_schedule_exists_after_migrate(db):
    from django_q.models import Schedule

    from hub.flaky.schedules import ensure_schedules

    ensure_schedules()

    schedule = Schedule.objects.get(name="flaky.quarantine-expiry")
    assert schedule.func == "hub.flaky.tasks.expire_quarantine"
