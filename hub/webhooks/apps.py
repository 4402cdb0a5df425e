from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebhooksConfig(AppConfig):
    name = "hub.webhooks"
    label = "webhooks"
    verbose_name = "Webhook deliveries"

    def ready(self) -> None:
        from hub.webhooks.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
