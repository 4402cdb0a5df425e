from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OutboxConfig(AppConfig):
    name = "hub.outbox"
    label = "outbox"
    verbose_name = "Work owed"

    def ready(self) -> None:
        from hub.outbox.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
