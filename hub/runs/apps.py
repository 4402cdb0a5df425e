from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RunsConfig(AppConfig):
    name = "hub.runs"
    label = "runs"
    verbose_name = "Runs and test results"

    def ready(self) -> None:
        from hub.outbox.services.announce import subscribe
        from hub.runs.schedules import ensure_schedules
        from hub.runs.services.ingest import UPLOAD_STORED

        post_migrate.connect(ensure_schedules, sender=self)
        # The one consumer of a stored upload, wired here until the responding app takes it over.
        subscribe(UPLOAD_STORED, "hub.runs.tasks.analyse_upload")
