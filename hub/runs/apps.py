from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RunsConfig(AppConfig):
    name = "hub.runs"
    label = "runs"
    verbose_name = "Runs and test results"

    def ready(self) -> None:
        from hub.runs.schedules import ensure_schedules

        post_migrate.connect(ensure_schedules, sender=self)
