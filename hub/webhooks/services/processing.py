"""Store a verified delivery once, hand it to the queue, and process it there (or again, on replay).

The view calls ``accept``: it writes the delivery keyed by (provider, delivery id) and, for a new one
the hub uses, announces it in the same transaction, so its processing by
``hub.webhooks.tasks.process_delivery`` is owed work (``hub.outbox``): enqueued after commit, swept back
onto the queue if a worker or the broker loses it, done once. A redelivery finds the first row and
changes nothing. ``process`` runs in the worker: it maps the stored body to runs and jobs
through the provider's module and records the outcome. Processing is idempotent (state only moves
forward, descriptive fields fill blanks), so a replay from admin is safe.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType

from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from hub.outbox.services.announce import announce
from hub.projects.models import Project
from hub.webhooks.models import Delivery, DeliveryStatus, Source
from hub.webhooks.services import circleci, generic, github, gitlab
from hub.webhooks.services.outcome import Outcome

log = logging.getLogger(__name__)

MODULES: dict[str, ModuleType] = {
    Source.GITHUB: github,
    Source.GITLAB: gitlab,
    Source.CIRCLECI: circleci,
    Source.GENERIC: generic,
}
MAX_ERROR = 2000
DELIVERY_RECEIVED = "delivery.received"  # announced with the delivery's id


@dataclass(frozen=True)
class Incoming:
    """A delivery as the view verified it; ``body`` is the raw bytes as received."""

    provider: str
    delivery_id: str
    event: str
    action: str
    project: Project | None
    body: bytes
    headers: dict[str, str]


def accept(incoming: Incoming) -> tuple[Delivery, bool]:
    """Store ``incoming`` unless a delivery with its id exists; return it and whether it is new."""
    used = incoming.event in MODULES[incoming.provider].EVENTS
    defaults = {
        "event": incoming.event[:100],
        "action": incoming.action[:100],
        "project": incoming.project,
        "body": Delivery.compress(incoming.body),
        "body_size": len(incoming.body),
        "headers": incoming.headers,
        "status": DeliveryStatus.RECEIVED if used else DeliveryStatus.IGNORED,
        "error": "" if used else f"event {incoming.event!r} is not used by the hub",
        "processed_at": None if used else timezone.now(),
    }
    with transaction.atomic():
        delivery, created = Delivery.objects.get_or_create(
            provider=incoming.provider, delivery_id=incoming.delivery_id[:200], defaults=defaults
        )
        if created and used:
            announce(DELIVERY_RECEIVED, delivery.pk)  # its processing is owed from the same commit
    return delivery, created


def process(delivery_id: int) -> Outcome:
    """Map one stored delivery to runs and jobs; record and return the outcome. Never raises for a bad
    payload: the delivery is marked failed with the reason, for an operator to fix and replay."""
    Delivery.objects.filter(pk=delivery_id).update(attempts=F("attempts") + 1)
    delivery = Delivery.objects.select_related("project").filter(pk=delivery_id).first()
    if delivery is None:
        return Outcome.ignored(f"delivery {delivery_id} no longer exists (pruned?)")
    try:
        payload = delivery.payload()
        if not isinstance(payload, dict):
            outcome = Outcome.failed("The body is JSON but not an object.")
        else:
            outcome = MODULES[delivery.provider].process(delivery, payload)
    except OperationalError:
        raise  # transient (a lock timeout, a lost connection): the owed work is retried with backoff
    except ValueError as exc:  # undecodable body, or a value our columns refuse
        outcome = Outcome.failed(f"{type(exc).__name__}: {exc}")
    except Exception as exc:
        # The log names the delivery and the error, never the body.
        log.exception("webhook delivery %s (%s %s) failed", delivery.pk, delivery.provider, delivery.event)
        outcome = Outcome.failed(f"{type(exc).__name__}: {exc}")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=outcome.status,
        processed_at=timezone.now(),
        error=outcome.note[:MAX_ERROR] if outcome.status != DeliveryStatus.PROCESSED else "",
    )
    if outcome.status == DeliveryStatus.FAILED:
        log.warning(
            "webhook delivery %s (%s %s) failed: %s",
            delivery.pk,
            delivery.provider,
            delivery.event,
            outcome.note,
        )
    return outcome


def replay(delivery_ids: Iterable[int]) -> Counter[str]:
    """Process these deliveries again from their stored bodies (admin's action); count the outcomes."""
    return Counter(process(delivery_id).status for delivery_id in delivery_ids)
