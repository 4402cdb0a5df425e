"""How the hub talks with a project's CI provider: the secrets of its webhooks and its API token.

One ``Integration`` per project. Secrets are stored encrypted (``crypto.py``) because they must be read
back (to compute an HMAC, to call the provider's API); they are set through ``set_secret`` and read
through ``secret``, never shown after saving, never logged. ``__str__`` and ``repr`` name no secret.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from hub.integrations import crypto
from hub.projects.models import Project

SECRET_NAMES = ("webhook_secret", "generic_secret", "api_token")
OUR_STATES = ("queued", "in_progress", "completed")
OUR_CONCLUSIONS = ("success", "failure", "cancelled", "skipped", "timed_out", "neutral")


class GenericAuth(models.TextChoices):
    BEARER = "bearer", "Bearer token (Authorization: Bearer <secret>)"
    HMAC = "hmac", "HMAC-SHA256 of the body, hex, in a header"


class Integration(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="integration")
    # Fernet tokens (base64 text); empty when unset. Written only through set_secret().
    webhook_secret_encrypted = models.TextField(blank=True, editable=False)
    generic_secret_encrypted = models.TextField(blank=True, editable=False)
    api_token_encrypted = models.TextField(blank=True, editable=False)
    generic_auth = models.CharField(
        max_length=8,
        choices=GenericAuth.choices,
        default=GenericAuth.BEARER,
        help_text="How /webhooks/generic/<project> authenticates a delivery.",
    )
    generic_signature_header = models.CharField(
        max_length=100,
        default="X-Orchestrate-Signature",
        help_text="For HMAC: the header carrying the hex HMAC-SHA256 of the body (an optional "
        "'sha256=' prefix is accepted).",
    )
    api_url = models.URLField(
        blank=True, help_text="The provider's API base URL, when not the default for the project's server."
    )
    status_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text='For custom CIs: their status words to ours, e.g. {"running": "in_progress", '
        '"passed": "success", "broken": "failure"}. Values: queued, in_progress, completed, or a '
        "conclusion (success, failure, cancelled, skipped, timed_out, neutral).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"integration of {self.project}"

    def clean(self) -> None:
        mapping = self.status_mapping
        if not isinstance(mapping, dict):
            raise ValidationError({"status_mapping": "Use a JSON object: their status -> ours."})
        allowed = set(OUR_STATES) | set(OUR_CONCLUSIONS)
        wrong = {key: value for key, value in mapping.items() if value not in allowed}
        if wrong:
            raise ValidationError(
                {"status_mapping": f"Unknown targets {wrong}; use one of {sorted(allowed)}."}
            )
        if self.generic_auth == GenericAuth.HMAC and not self.generic_signature_header.strip():
            raise ValidationError({"generic_signature_header": "HMAC needs the header that carries it."})

    def set_secret(self, name: str, plain: str | None) -> None:
        """Store ``plain`` encrypted (or clear the secret with ``None`` or ""); the caller saves."""
        if name not in SECRET_NAMES:
            raise ValueError(f"unknown secret {name!r}")
        setattr(self, f"{name}_encrypted", crypto.encrypt(plain) if plain else "")

    def secret(self, name: str) -> str | None:
        if name not in SECRET_NAMES:
            raise ValueError(f"unknown secret {name!r}")
        stored = getattr(self, f"{name}_encrypted")
        return crypto.decrypt(stored) if stored else None

    def has_secret(self, name: str) -> bool:
        return bool(getattr(self, f"{name}_encrypted"))
