from django.apps import AppConfig
from django.db.models.signals import post_migrate


class WebhooksConfig(AppConfig):
    name = "hub.webhooks"
    label = "webhooks"
    verbose_name = "Webhook deliveries"

    def ready(self) -> None:
        from hub.outbox.services.announce import subscribe
        from hub.webhooks.schedules import ensure_schedules
        from hub.webhooks.services.processing import DELIVERY_RECEIVED

        post_migrate.connect(ensure_schedules, sender=self)
        subscribe(DELIVERY_RECEIVED, "hub.webhooks.tasks.process_delivery")
