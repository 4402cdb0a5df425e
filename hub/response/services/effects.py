"""An outside effect at most once: recorded before the call, checked after a crash, never made twice.

``once`` writes the ``Effect`` row (``intended``) and commits it *before* calling out. If the call's
answer is recorded, the effect is ``done`` (or ``failed`` on a refusal the provider gave for sure). A
worker killed between the call and the record leaves the row ``intended``; an error with no clear
answer (a timeout, a 5xx) leaves it ``unknown``. Either way the next attempt does not call: it asks the
provider through ``check`` whether the effect exists, adopts it if so, and calls again only when the
provider positively shows it does not. When the check itself fails, the effect stays ``unknown`` and
the attempt fails, to be retried later (never a second call on a guess). A call that surely made
nothing (``NotMade``: no connection was opened, or the service answered with an error) says so on the
effect (``detail["not_made"]``), for a check that cannot ask the service (a Slack message, a mail) to
tell "surely not sent" from "perhaps sent"; each call clears it first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from hub.response.models import Effect, EffectState, FixJob


@dataclass(frozen=True)
class Made:
    """What the provider says exists: its id and address, and anything worth keeping."""

    external_id: str = ""
    external_url: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """The provider answered no for sure (no token, no such run, forbidden): the call had no effect."""

    def __init__(self, message: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.detail = detail or {}


class RetryLater(Exception):
    """The service asked us to wait (a rate limit's ``Retry-After``): the attempt is given back and the
    fix job is not tried again for at least ``seconds``."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


class NotMade(Exception):
    """The call surely made nothing (the connection was never opened, or the service answered with an
    error rather than with the effect): calling again cannot make the effect twice."""


def once(
    job: FixJob, key: str, kind: str, call: Callable[[], Made], check: Callable[[], Made | None]
) -> tuple[Effect, bool]:
    """The effect keyed ``key``, made by ``call`` unless it exists; returns it and whether this call
    made it. ``Refused`` from ``call`` marks the effect failed and propagates; any other error marks it
    unknown and propagates."""
    with transaction.atomic():
        effect, created = Effect.objects.get_or_create(
            key=key[:300], defaults={"fix_job": job, "kind": kind, "state": EffectState.INTENDED}
        )
    if effect.state == EffectState.DONE:
        return effect, False
    if not created and effect.state != EffectState.FAILED:
        found = check()  # a previous attempt may have called: the provider knows
        if found is not None:
            _record(effect, EffectState.DONE, found, adopted=True)
            return effect, False
    if not created:  # this attempt calls: what the last one left is settled as not made
        _record(effect, EffectState.INTENDED, Made(detail={"not_made": False}))
    try:
        made = call()
    except (NotMade, RetryLater) as exc:  # a rate limit's answer made nothing either
        _record(effect, EffectState.UNKNOWN, Made(detail={"error": f"{exc}", "not_made": True}))
        raise
    except Refused as refusal:
        _record(effect, EffectState.FAILED, Made(detail={"error": str(refusal), **refusal.detail}))
        raise
    except Exception as exc:
        _record(effect, EffectState.UNKNOWN, Made(detail={"error": f"{type(exc).__name__}: {exc}"}))
        raise
    _record(effect, EffectState.DONE, made)
    return effect, True


def adopt(job: FixJob, key: str, kind: str, made: Made) -> tuple[Effect, bool]:
    """Record, once, an outside object another actor made for ``job`` (the pull request a fix workflow
    opened): nothing is called, so it is ``done`` from the start. Returns it and whether this call
    recorded it (a redelivered webhook and the poll find it recorded)."""
    with transaction.atomic():
        return Effect.objects.get_or_create(
            key=key[:300],
            defaults={
                "fix_job": job, "kind": kind, "state": EffectState.DONE, "detail": made.detail,
                "external_id": made.external_id[:200], "external_url": made.external_url[:2000],
            },
        )  # fmt: skip


def revise(effect: Effect, made: Made) -> None:
    """Record a later change to an effect that exists (a comment edited in place): new id, address or
    detail, merged over the old."""
    _record(effect, EffectState.DONE, made)


def _record(effect: Effect, state: str, made: Made, *, adopted: bool = False) -> None:
    effect.state = state
    effect.external_id = made.external_id[:200] or effect.external_id
    effect.external_url = made.external_url[:2000] or effect.external_url
    effect.detail = {**effect.detail, **made.detail, **({"adopted_after_check": True} if adopted else {})}
    effect.save(update_fields=["state", "external_id", "external_url", "detail", "updated_at"])
