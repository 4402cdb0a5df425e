from django.apps import AppConfig
from django.db.models.signals import post_migrate


class FlakyConfig(AppConfig):
    name = "hub.flaky"
    label = "flaky"
    verbose_name = "Flaky tests and quarantine"

    def ready(self) -> None:
        from hub.flaky.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
