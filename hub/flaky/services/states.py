"""The one way a test's state changes: the health row moves and the change is kept with its reason."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from hub.flaky.models import StateChange, TestHealth, TestState


def health_for(test) -> TestHealth:
    """The test's health row, created healthy the first time it is needed."""
    health, _ = TestHealth.objects.get_or_create(test=test, defaults={"project_id": test.project_id})
    return health


@dataclass(frozen=True)
class Move:
    """One test's health to move to ``to_state``, why, and by which rule or person."""

    health: TestHealth
    to_state: TestState | str
    reason: str
    rule: str = ""
    user: object = None
    evidence: Sequence[dict] = field(default_factory=tuple)


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
    changes = change_states([Move(health, to_state, reason, rule, user, tuple(evidence))])
    return changes[0] if changes else None


def change_states(moves: Sequence[Move]) -> list[StateChange]:
    """``change_state`` for many tests in a few statements (one group per pair of states); returns the
    changes recorded, and moves the ``health`` objects of those that were.

    Guarded by the state each caller saw: a test another worker or a person moved meanwhile is left where
    it is and no change is recorded for it (the row lock in ``detection_run.judge_tests`` makes that rare;
    this makes it impossible)."""
    groups: dict[tuple[str, str], list[Move]] = defaultdict(list)
    for move in moves:
        if not move.rule and move.user is None:
            raise ValueError("a state change needs the rule or the person that made it")
        if move.health.state != move.to_state:
            groups[(move.health.state, move.to_state)].append(move)
    if not groups:
        return []
    now = timezone.now()
    recorded: list[StateChange] = []
    with transaction.atomic():
        for (from_state, to_state), group in groups.items():
            ids = [move.health.pk for move in group]
            still = set(
                TestHealth.objects.select_for_update()
                .filter(pk__in=ids, state=from_state)
                .values_list("pk", flat=True)
            )
            TestHealth.objects.filter(pk__in=still).update(state=to_state, state_since=now)
            moved = [move for move in group if move.health.pk in still]
            recorded.extend(
                StateChange.objects.bulk_create(
                    [
                        StateChange(
                            test_id=move.health.test_id,
                            project_id=move.health.project_id,
                            from_state=from_state,
                            to_state=to_state,
                            at=now,
                            reason=move.reason,
                            rule=move.rule,
                            user=move.user,
                            evidence=list(move.evidence),
                        )
                        for move in moved
                    ]
                )
            )
            for move in moved:
                move.health.state = to_state
                move.health.state_since = now
    return recorded
