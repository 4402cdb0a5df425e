from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ResponseConfig(AppConfig):
    """The app that responds to red CI: it consumes what ingest announces, so runs never import it."""

    name = "hub.response"
    label = "response"
    verbose_name = "Responding to red CI"

    def ready(self) -> None:
        from hub.operations.services.logs import JOB_LOG_STORED
        from hub.outbox.services.announce import subscribe
        from hub.response.schedules import ensure_schedules
        from hub.response.services.facts import ANALYSIS
        from hub.runs.services.ingest import RUN_COMPLETED, UPLOAD_STORED

        post_migrate.connect(ensure_schedules, sender=self)
        subscribe(UPLOAD_STORED, ANALYSIS)
        subscribe(RUN_COMPLETED, "hub.response.tasks.run_completed")
        subscribe(JOB_LOG_STORED, "hub.response.tasks.job_log_stored")
