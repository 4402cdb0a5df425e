"""What a CircleCI re-run asks for: which workflows, and with which body.

CircleCI re-runs workflows, not pipelines: ``POST /workflow/{id}/rerun`` with ``{}`` (every job),
``{"from_failed": true}`` (from its failed jobs) or ``{"jobs": [uuid]}`` (one job and what depends on it).
A pipeline's re-run is one such request per latest workflow (or the one that holds the job). The choice is
made here, before any request, so a re-run that cannot be done is refused with nothing started.
Afterwards, whether a re-run began shows as that new workflow (``newer_workflow``, ``created_since``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from agent.providers._circleci_mapping import FAILED_WORKFLOWS
from agent.providers.base import NotFoundError, ProviderError, parse_time

JobsOf = Callable[[str], list[dict[str, Any]]]  # a workflow's id -> its jobs as CircleCI lists them


def pipeline_reruns(
    run_id: str,
    latest: list[dict[str, Any]],
    *,
    failed_only: bool,
    job_id: str | None,
    workflow_jobs: JobsOf,
) -> list[tuple[str, dict[str, Any]]]:
    """``(workflow id, body)`` per re-run request for a pipeline whose latest workflows are ``latest``."""
    reruns: list[tuple[str, dict[str, Any]]] = []
    if job_id is not None:
        for workflow in latest:
            for job in workflow_jobs(str(workflow["id"])):
                if job_id in (str(job.get("job_number")), str(job.get("id"))):
                    reruns.append((str(workflow["id"]), {"jobs": [job["id"]]}))
        if not reruns:
            raise NotFoundError(
                f"pipeline {run_id} has no job {job_id!r} in its latest workflows",
                "`orchestrate ci status --run ID` lists its jobs",
            )
        reruns = reruns[:1]
    elif failed_only:
        reruns = [
            (str(w["id"]), {"from_failed": True}) for w in latest if w.get("status") in FAILED_WORKFLOWS
        ]
        if not reruns:
            raise ProviderError(
                f"pipeline {run_id} has no failed workflow to re-run", "re-run it all without --failed"
            )
    else:
        reruns = [(str(workflow["id"]), {}) for workflow in latest]
        if not reruns:
            raise ProviderError(f"pipeline {run_id} has no workflow to re-run", "trigger a new pipeline")
    return reruns


def workflow_rerun(
    workflow: Mapping[str, Any], *, failed_only: bool, job_id: str | None, workflow_jobs: JobsOf
) -> dict[str, Any]:
    """The body of the one re-run request for a run that is a single workflow."""
    workflow_id = str(workflow["id"])
    body: dict[str, Any] = {}
    if job_id is not None:
        jobs = [
            job
            for job in workflow_jobs(workflow_id)
            if job_id in (str(job.get("job_number")), str(job.get("id")))
        ]
        if not jobs:
            raise NotFoundError(
                f"workflow {workflow_id} has no job {job_id!r}",
                "`orchestrate ci status --run ID` lists its jobs",
            )
        body = {"jobs": [jobs[0]["id"]]}
    elif failed_only:
        if workflow.get("status") not in FAILED_WORKFLOWS:
            raise ProviderError(
                f"workflow {workflow_id} did not fail (it is {workflow.get('status')}): no failed jobs "
                "to re-run",
                "re-run it all without --failed",
            )
        body = {"from_failed": True}
    return body


def newer_workflow(workflow: Mapping[str, Any], workflows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The newest workflow of ``workflow``'s name created after it in its pipeline (its re-run), if any."""
    created = parse_time(workflow.get("created_at"))
    if created is None:
        return None
    later = [
        (when, other)
        for other in workflows
        if other.get("name") == workflow.get("name") and str(other.get("id")) != str(workflow.get("id"))
        if (when := parse_time(other.get("created_at"))) is not None and when > created
    ]
    return max(later, key=lambda pair: pair[0])[1] if later else None


def created_since(workflows: list[dict[str, Any]], since: datetime) -> bool:
    """Whether any of a pipeline's workflows was created at ``since`` or later (a re-run's)."""
    times = (parse_time(workflow.get("created_at")) for workflow in workflows)
    return any(when is not None and when >= since for when in times)
