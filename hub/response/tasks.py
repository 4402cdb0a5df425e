"""django-q2 tasks of the response app: thin functions taking ids, calling the services."""

from __future__ import annotations

from hub.outbox.services.claims import batched
from hub.response.services import fix_jobs, pipeline


@batched(pipeline.uploads_stored)
def upload_stored(upload_id: int) -> None:
    pipeline.upload_stored(upload_id)


def run_completed(run_id: int) -> None:
    pipeline.run_completed(run_id)


def perform(fix_job_id: int) -> str:
    return fix_jobs.perform(fix_job_id)


def resume() -> int:
    return fix_jobs.resume()


def issues_sweep() -> int:
    from hub.response.responders import issues

    return issues.sweep()
