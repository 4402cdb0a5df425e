"""django-q2 tasks of the response app: thin functions taking ids, calling the services."""

from __future__ import annotations

from hub.outbox.services.claims import batched
from hub.response.services import fix_jobs, pipeline


@batched(pipeline.uploads_stored)
def upload_stored(upload_id: int) -> None:
    pipeline.upload_stored(upload_id)


def run_completed(run_id: int) -> None:
    pipeline.run_completed(run_id)


def job_log_stored(job_id: int) -> None:
    pipeline.job_log_stored(job_id)


def perform(fix_job_id: int) -> str:
    return fix_jobs.perform(fix_job_id)


def resume() -> int:
    return fix_jobs.resume()


def issues_sweep() -> int:
    from hub.response.responders import issues

    return issues.sweep()


def poll_agent_runs() -> int:
    from hub.response.services import agent_runs

    return agent_runs.poll()


def fixer_poll() -> int:
    from hub.response.services import fixer_links

    return fixer_links.poll()


def decide_merge(fix_job_id: int, run_id: int) -> str:
    from hub.response.services import merging

    return merging.settle(fix_job_id, run_id)


def fix_round(fix_job_id: int, run_id: int) -> str:
    from hub.response.services import fix_rounds

    return fix_rounds.settle(fix_job_id, run_id)


def roll_back_deployment(effect_id: int) -> str:
    from hub.response.services import deployments

    return deployments.roll_back(effect_id)


def watch_deployments() -> int:
    from hub.response.services import deployments

    return deployments.watch()
