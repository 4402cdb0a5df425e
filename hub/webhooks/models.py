"""Every verified webhook delivery, kept as received: the idempotency record and the replay source.

A delivery is unique per provider and delivery id (``X-GitHub-Delivery``, GitLab's ``Idempotency-Key``
or ``X-Gitlab-Event-UUID``, CircleCI's event ``id``), so a redelivery finds the first and changes
nothing. The body is stored zlib-compressed (bounded by ``WEBHOOK_MAX_BYTES`` at the door) with a few
headers that carry no secret, so processing can be replayed from admin after a fix.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from django.db import models
from django.utils import timezone

from hub.projects.models import Project


class Source(models.TextChoices):
    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    CIRCLECI = "circleci", "CircleCI"
    GENERIC = "generic", "Generic"


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Failed"
    IGNORED = "ignored", "Ignored"


class Delivery(models.Model):
    provider = models.CharField(max_length=16, choices=Source.choices)
    delivery_id = models.CharField(max_length=200)
    event = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=100, blank=True)
    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, null=True, blank=True, related_name="webhook_deliveries"
    )
    body = models.BinaryField(editable=False, help_text="The raw body, zlib-compressed.")
    body_size = models.PositiveIntegerField(default=0, help_text="Bytes as received.")
    headers = models.JSONField(default=dict, blank=True, help_text="A few non-secret headers.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["provider", "delivery_id"], name="delivery_unique_id"),
        ]
        indexes = [
            models.Index(fields=["-received_at"], name="delivery_recent"),
            models.Index(fields=["project", "-received_at"], name="delivery_project_recent"),
            models.Index(fields=["status", "-received_at"], name="delivery_status_recent"),
        ]
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider} {self.event or 'delivery'} {self.delivery_id}"

    @staticmethod
    def compress(raw: bytes) -> bytes:
        return zlib.compress(raw, 6)

    def raw_body(self) -> bytes:
        return zlib.decompress(bytes(self.body))

    def payload(self) -> Any:
        return json.loads(self.raw_body())
