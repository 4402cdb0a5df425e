"""What processing a delivery came to: its final status and a short note for operators (no body)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.webhooks.models import DeliveryStatus


@dataclass(frozen=True)
class Outcome:
    status: DeliveryStatus
    note: str = ""

    @classmethod
    def processed(cls, note: str = "") -> Outcome:
        return cls(DeliveryStatus.PROCESSED, note)

    @classmethod
    def ignored(cls, note: str) -> Outcome:
        return cls(DeliveryStatus.IGNORED, note)

    @classmethod
    def failed(cls, note: str) -> Outcome:
        return cls(DeliveryStatus.FAILED, note)
