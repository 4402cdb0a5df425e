"""A project's quarantine list: tests whose failures stop failing the build while they keep running.

Every entry has a reason, an owner and an expiry, so a quarantine is a decision someone revisits, not a
place tests go to be forgotten. Entering and leaving the list moves the test's state through
``change_state`` (the one way a state changes), so the audit trail shows who did it and why. Leaving it
returns the test to the state it had before (the ``from_state`` of the change that quarantined it); the
next detection run judges it afresh from there.

Automatic quarantine is for flaky tests only, and only in projects that enable it: a broken test is a
regression to fix, and hiding it would let it ship. A person may quarantine any test.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from hub.flaky.models import QuarantineEntry, StateChange, TestHealth, TestState
from hub.flaky.services.states import change_state, health_for
from hub.runs.models import Test

AUTOMATIC_RULE = "auto-quarantine"
EXPIRY_RULE = "quarantine-expiry"
REMOVAL_RULE = "quarantine-removed"


def with_active_quarantine(healths: QuerySet) -> QuerySet:
    """``healths`` with each test's active quarantine entries (and who made them) read in one more query,
    as ``health.test.active_entries``: lists of verdicts show the quarantine beside each."""
    return healths.prefetch_related(
        Prefetch(
            "test__quarantine_entries",
            queryset=QuarantineEntry.objects.active().select_related("created_by"),
            to_attr="active_entries",
        )
    )


class QuarantineError(ValueError):
    """A quarantine request that cannot be carried out; the message says why and what to do."""


def default_expiry(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(days=settings.QUARANTINE_DAYS)


def quarantine(
    test: Test,
    *,
    reason: str,
    owner: str = "",
    expires_at: datetime | None = None,
    user=None,
    automatic: bool = False,
) -> QuarantineEntry:
    """Put ``test`` on its project's quarantine list, by ``user`` or automatically (flaky tests only).

    ``expires_at`` defaults to ``QUARANTINE_DAYS`` from now and must lie in the future.
    """
    if automatic == (user is not None):
        raise ValueError("a quarantine is made by a person (user=...) or automatically, not both or neither")
    reason = reason.strip()
    if not reason:
        raise QuarantineError("A quarantine needs a reason: say why the test's failures may be ignored.")
    now = timezone.now()
    expires_at = expires_at or default_expiry(now)
    if expires_at <= now:
        raise QuarantineError(f"The expiry {expires_at.isoformat()} is in the past: give a future date.")
    with transaction.atomic():
        _close_expired(test, now)  # may move the state back, so the health row is read after it
        health = health_for(test)
        if automatic and health.state != TestState.FLAKY:
            raise QuarantineError(
                f"Only flaky tests are quarantined automatically; {test} is {health.state}."
            )
        existing = QuarantineEntry.objects.filter(test=test, removed_at__isnull=True).first()
        if existing is not None:
            raise QuarantineError(
                f"{test} is already quarantined (entry {existing.pk}); remove that entry first to change it."
            )
        try:
            with transaction.atomic():
                entry = QuarantineEntry.objects.create(
                    project_id=test.project_id,
                    test=test,
                    reason=reason,
                    owner=owner.strip(),
                    automatic=automatic,
                    created_by=user,
                    created_at=now,
                    expires_at=expires_at,
                )
        except IntegrityError:  # another request quarantined it a moment ago
            raise QuarantineError(f"{test} is already quarantined; reload the list.") from None
        change_state(
            health,
            TestState.QUARANTINED,
            reason=f"Quarantined: {reason}",
            user=user,
            rule=AUTOMATIC_RULE if automatic else "",
            evidence=[{"quarantine_entry": entry.pk, "expires_at": expires_at.isoformat()}],
        )
    return entry


def unquarantine(target: QuarantineEntry | Test, *, reason: str, user=None) -> QuarantineEntry:
    """Take a test off the quarantine list (``target`` is the entry or the test) and give it back the
    state it had before it was quarantined."""
    entry = _open_entry(target)
    return _close(entry, reason=reason.strip() or "removed", user=user, rule="" if user else REMOVAL_RULE)


def mark_fixed(test: Test, *, reason: str, user, rule: str = "") -> StateChange | None:
    """A person (``user``) says the test is fixed, or the hub by ``rule`` (a flaky fix proven by re-runs):
    it leaves the quarantine list (if on it) and its state is fixed.

    Detection moves it on from fixed when new evidence arrives. Returns the state change (None when the
    test was already fixed).
    """
    reason = reason.strip() or "marked fixed"
    with transaction.atomic():
        entry = QuarantineEntry.objects.filter(test=test, removed_at__isnull=True).first()
        if entry is not None:
            _close(entry, reason=f"marked fixed: {reason}", user=user, restore=False)
        return change_state(
            health_for(test), TestState.FIXED, reason=f"Marked fixed: {reason}", user=user, rule=rule
        )


def on_verdict(health: TestHealth) -> QuarantineEntry | None:
    """Detection calls this after it sets a verdict: a test that became flaky in a project with automatic
    quarantine goes on the list. Never for any other state (a broken test is a regression to fix).
    Returns the new entry, or None when nothing was done."""
    if health.state != TestState.FLAKY:
        return None
    if not health.project.auto_quarantine:
        return None
    if QuarantineEntry.objects.active().filter(test_id=health.test_id).exists():
        return None
    test = Test.objects.get(pk=health.test_id)
    score = f" (score {health.score:.1%})" if health.score else ""
    try:
        return quarantine(
            test,
            reason=f"The hub found this test flaky{score}; "
            "the project quarantines flaky tests automatically.",
            automatic=True,
        )
    except QuarantineError:  # a person quarantined it in the meantime
        return None


def expire_entries(now: datetime | None = None) -> int:
    """Close every entry whose expiry has passed and give each test back its earlier state.

    Expired entries already stop applying (``QuarantineEntry.objects.active()`` leaves them out); this
    records the end in the audit trail. Returns how many entries were closed.
    """
    now = now or timezone.now()
    closed = 0
    due = QuarantineEntry.objects.filter(removed_at__isnull=True, expires_at__lte=now).select_related("test")
    for entry in due.iterator():
        if _close(
            entry, reason=f"expired on {entry.expires_at:%Y-%m-%d %H:%M} UTC", rule=EXPIRY_RULE, at=now
        ):
            closed += 1
    return closed


def state_before_quarantine(test_id: int) -> str:
    """The state the test had when it was last quarantined (healthy when no record says otherwise)."""
    before = (
        StateChange.objects.filter(test_id=test_id, to_state=TestState.QUARANTINED)
        .order_by("-at", "-id")
        .values_list("from_state", flat=True)
        .first()
    )
    return before or TestState.HEALTHY


def _open_entry(target: QuarantineEntry | Test) -> QuarantineEntry:
    if isinstance(target, QuarantineEntry):
        if target.removed_at is not None:
            raise QuarantineError(
                f"Quarantine entry {target.pk} was already removed on {target.removed_at:%Y-%m-%d}."
            )
        return target
    entry = (
        QuarantineEntry.objects.filter(test=target, removed_at__isnull=True).select_related("test").first()
    )
    if entry is None:
        raise QuarantineError(f"{target} is not quarantined.")
    return entry


def _close_expired(test: Test, now: datetime) -> None:
    for entry in QuarantineEntry.objects.filter(test=test, removed_at__isnull=True, expires_at__lte=now):
        _close(entry, reason="expired", rule=EXPIRY_RULE, at=now)


def _close(
    entry: QuarantineEntry,
    *,
    reason: str,
    user=None,
    rule: str = "",
    at: datetime | None = None,
    restore: bool = True,
) -> QuarantineEntry | None:
    """Close ``entry`` with a guarded update (a concurrent close wins once) and, unless ``restore`` is
    off, move its test back to the state it had before. Returns None if someone else closed it first."""
    at = at or timezone.now()
    with transaction.atomic():
        claimed = QuarantineEntry.objects.filter(pk=entry.pk, removed_at__isnull=True).update(
            removed_at=at, removed_by=user, removed_reason=reason
        )
        if not claimed:
            if user is not None:
                raise QuarantineError(f"Quarantine entry {entry.pk} was already removed.")
            return None
        entry.removed_at, entry.removed_by, entry.removed_reason = at, user, reason
        health = TestHealth.objects.filter(test_id=entry.test_id).first()
        if restore and health is not None and health.state == TestState.QUARANTINED:
            change_state(
                health,
                state_before_quarantine(entry.test_id),
                reason=f"Left quarantine: {reason}",
                user=user,
                rule=rule,
                evidence=[{"quarantine_entry": entry.pk}],
            )
    return entry
