"""The one way a test's state changes: the health row moves and the change is kept with its reason."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from hub.flaky.models import StateChange, TestHealth, TestState


def health_for(test) -> TestHealth:
    """The test's health row, created healthy the first time it is needed."""
    health, _ = TestHealth.objects.get_or_create(test=test, defaults={"project_id": test.project_id})
    return health


def change_state(
    health: TestHealth,
    to_state: TestState | str,
    *,
    reason: str,
    rule: str = "",
    user=None,
    evidence: Iterable[dict] = (),
) -> StateChange | None:
    """Move ``health`` to ``to_state`` and record why; nothing happens (and None is returned) when the
    test is already there, or is no longer in the state ``health`` shows. ``rule`` names the rule that
    decided; ``user`` the person, when it was one."""
    if not rule and user is None:
        raise ValueError("a state change needs the rule or the person that made it")
    if health.state == to_state:
        return None
    now = timezone.now()
    with transaction.atomic():
        # Guarded by the state the caller saw: if another worker or a person moved the test meanwhile,
        # this change was decided on a stale state and is not recorded (the row lock in
        # ``detection_run.judge_tests`` makes that rare; this makes it impossible).
        moved = TestHealth.objects.filter(pk=health.pk, state=health.state).update(
            state=to_state, state_since=now
        )
        if not moved:
            return None
        change = StateChange.objects.create(
            test_id=health.test_id,
            project_id=health.project_id,
            from_state=health.state,
            to_state=to_state,
            at=now,
            reason=reason,
            rule=rule,
            user=user,
            evidence=list(evidence),
        )
        health.state = to_state
        health.state_since = now
    return change
