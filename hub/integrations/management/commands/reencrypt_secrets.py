"""Re-encrypt every stored integration secret under the current (first) encryption key.

Part of rotating ORCHESTRATE_ENCRYPTION_KEY: set it to ``new,old``, run this, then set it to ``new``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from hub.integrations import crypto
from hub.integrations.models import SECRET_NAMES, Integration


class Command(BaseCommand):
    help = "Re-encrypt integration secrets with the first key of ORCHESTRATE_ENCRYPTION_KEY (key rotation)."

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():
            for integration in Integration.objects.select_for_update().order_by("pk"):
                fields = []
                for name in SECRET_NAMES:
                    stored = getattr(integration, f"{name}_encrypted")
                    if stored:
                        setattr(integration, f"{name}_encrypted", crypto.reencrypt(stored))
                        fields.append(f"{name}_encrypted")
                if fields:
                    integration.save(update_fields=fields)
                    count += 1
        self.stdout.write(f"Re-encrypted the secrets of {count} integration(s).")
