from django.apps import AppConfig
from django.db.models.signals import post_migrate


class OperationsConfig(AppConfig):
    name = "hub.operations"
    label = "operations"
    verbose_name = "Operations at CI providers"

    def ready(self) -> None:
        from hub.operations.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
