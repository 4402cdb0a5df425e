"""The decisions of a deployment's watch, apart from its effects: whether the service answers healthy,
how many failed checks in a row undo it, and which deployment runs ran past their time.

A service that flaps (one 503 while a pod restarts) should not be reverted for it when the policy says so:
``deploy.failures_to_undo`` checks must fail in a row, and a passing check starts the count again. A
deployment run that never completes (a stuck runner, a pending approval) would leave its watch unstarted
for ever; past ``deploy.run_timeout_minutes`` from its trigger it counts as failed, and is undone.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import requests

from hub.response.models import Effect, EffectState
from hub.response.policy import store

TIMEOUT = 10  # seconds a health check waits for its answer


def unhealthy(url: str) -> str:
    """'' when ``url`` answers 2xx; otherwise what it did, for a person."""
    try:
        response = requests.get(url, timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as exc:
        return f"{url} unreachable: {type(exc).__name__}"
    return "" if 200 <= response.status_code < 300 else f"{url} answered {response.status_code}"


def judge(failed_before: int, problem: str, failures_to_undo: int) -> tuple[int, bool]:
    """After one check: the failed checks in a row, and whether that many undo the deployment."""
    in_a_row = failed_before + 1 if problem else 0
    return in_a_row, in_a_row >= failures_to_undo


def timed_out(triggered_at: datetime, now: datetime, minutes: int) -> bool:
    """Whether a deployment run triggered at ``triggered_at`` ran past ``minutes`` (0: never)."""
    return minutes > 0 and now >= triggered_at + timedelta(minutes=minutes)


def overdue(kind: str, prefix: str, now: datetime, limit: int) -> list[tuple[Effect, int]]:
    """Followed deployment runs not completed within their project's ``deploy.run_timeout_minutes``, each
    with that limit: triggered (``prefix``), named by the CI, neither watched nor settled yet."""
    waiting = (
        Effect.objects.filter(kind=kind, key__startswith=prefix, state=EffectState.DONE)
        .exclude(external_id="")
        .exclude(detail__has_key="settled")
        .exclude(detail__has_key="watch_until")
        .select_related("fix_job__project")
        .order_by("created_at")[:limit]
    )
    found = []
    for effect in waiting:
        minutes = store.effective(effect.fix_job.project)["deploy"]["run_timeout_minutes"]
        if timed_out(effect.created_at, now, minutes):
            found.append((effect, minutes))
    return found
