"""CircleCI's pipelines, workflows and jobs in our vocabulary (``RunInfo``, ``JobInfo``, our statuses), and
how a pipeline's workflows add up to one state.

Pure functions over CircleCI's JSON, apart from the client that fetches it. The hub's webhooks
(``hub/webhooks/services/circleci.py``) translate CircleCI's words with the same tables, through
``agent.providers.circleci``, which re-exports them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from agent.providers.base import Conclusion, JobInfo, RunInfo, RunStatus, parse_time

# Workflow statuses in ours; an unknown one is taken to be still running. With JOB_STATUSES, the one
# translation of CircleCI's words: the hub's webhooks (hub/webhooks/services/circleci.py) read them through
# ``state``. ``failing`` still runs (a job failed, others go on). ``on_hold`` waits for someone to approve a
# job and goes no further by itself: finished, neutral, so ``wait`` ends.
WORKFLOW_STATUSES: dict[str, tuple[RunStatus, Conclusion | None]] = {
    "running": (RunStatus.IN_PROGRESS, None),
    "failing": (RunStatus.IN_PROGRESS, None),
    "success": (RunStatus.COMPLETED, Conclusion.SUCCESS),
    "failed": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "error": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "unauthorized": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "canceled": (RunStatus.COMPLETED, Conclusion.CANCELLED),
    "not_run": (RunStatus.COMPLETED, Conclusion.SKIPPED),
    "on_hold": (RunStatus.COMPLETED, Conclusion.NEUTRAL),
}
# Job statuses in ours (``blocked``: waiting for the jobs it requires; ``retried``: replaced by a re-run).
JOB_STATUSES: dict[str, tuple[RunStatus, Conclusion | None]] = {
    **WORKFLOW_STATUSES,
    "queued": (RunStatus.QUEUED, None),
    "not_running": (RunStatus.QUEUED, None),
    "blocked": (RunStatus.QUEUED, None),
    "infrastructure_fail": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "terminated-unknown": (RunStatus.COMPLETED, Conclusion.FAILURE),
    "timedout": (RunStatus.COMPLETED, Conclusion.TIMED_OUT),
    "retried": (RunStatus.COMPLETED, Conclusion.NEUTRAL),
}
# The worst conclusion among a pipeline's workflows is the pipeline's.
SEVERITY = (
    Conclusion.FAILURE,
    Conclusion.TIMED_OUT,
    Conclusion.CANCELLED,
    Conclusion.NEUTRAL,
    Conclusion.SUCCESS,
)
PIPELINE_WAITING = frozenset({"setup-pending", "setup", "pending"})
FAILED_WORKFLOWS = frozenset({"failed", "error"})
CANCELLABLE_WORKFLOWS = frozenset({"running", "failing", "on_hold"})


def state(table: Mapping[str, tuple[RunStatus, Conclusion | None]], value: object) -> tuple[str, str | None]:
    """Our (status, conclusion) for a workflow's (``WORKFLOW_STATUSES``) or a job's (``JOB_STATUSES``)
    status."""
    status, conclusion = table.get(str(value), (RunStatus.IN_PROGRESS, None))
    return status.value, conclusion.value if conclusion is not None else None


def latest_workflows(workflows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest workflow of each name (a re-run adds one of the same name), in the order first seen."""
    latest: dict[str, dict[str, Any]] = {}
    for workflow in workflows:
        name = str(workflow.get("name") or workflow.get("id"))
        known = latest.get(name)
        if known is None or _created(workflow) > _created(known):
            latest[name] = workflow
    return list(latest.values())


def _created(data: Mapping[str, Any]) -> datetime:
    return parse_time(data.get("created_at")) or datetime.min.replace(tzinfo=UTC)


def pipeline_state(pipeline: Mapping[str, Any], workflows: list[dict[str, Any]]) -> tuple[str, str | None]:
    """A pipeline's (status, conclusion) from its latest workflows: running while any runs, else the worst
    conclusion. Without workflows: waiting while CircleCI sets it up, failed when its configuration
    errored, skipped when no workflow was selected to run."""
    if pipeline.get("state") == "errored":
        return RunStatus.COMPLETED.value, Conclusion.FAILURE.value
    if not workflows:
        if pipeline.get("state") in PIPELINE_WAITING:
            return RunStatus.QUEUED.value, None
        return RunStatus.COMPLETED.value, Conclusion.SKIPPED.value
    states = [state(WORKFLOW_STATUSES, workflow.get("status")) for workflow in workflows]
    statuses = {status for status, _ in states}
    if RunStatus.IN_PROGRESS in statuses:
        return RunStatus.IN_PROGRESS.value, None
    if RunStatus.QUEUED in statuses:
        return RunStatus.QUEUED.value, None
    conclusions = {conclusion for _, conclusion in states}
    for conclusion in SEVERITY:
        if conclusion in conclusions:
            return RunStatus.COMPLETED.value, conclusion.value
    return RunStatus.COMPLETED.value, Conclusion.SKIPPED.value


def pipeline_run(
    pipeline: Mapping[str, Any], workflows: list[dict[str, Any]], jobs: tuple[JobInfo, ...], *, url: str
) -> RunInfo:
    """A pipeline as a run: the state of its latest workflows, its attempt the most re-runs of one
    workflow name, its page at ``url``."""
    latest = latest_workflows(workflows)
    status, conclusion = pipeline_state(pipeline, latest)
    vcs = pipeline.get("vcs") or {}
    names = [str(workflow.get("name") or "") for workflow in workflows]
    return RunInfo(
        id=str(pipeline["id"]),
        status=status,
        conclusion=conclusion,
        url=url,
        workflow=", ".join(str(workflow.get("name") or "") for workflow in latest),
        branch=str(vcs.get("branch") or vcs.get("tag") or ""),
        commit_sha=str(vcs.get("revision") or ""),
        event=str((pipeline.get("trigger") or {}).get("type") or ""),
        attempt=max((names.count(name) for name in names), default=1),
        created_at=parse_time(pipeline.get("created_at")),
        updated_at=parse_time(pipeline.get("updated_at")),
        jobs=jobs,
        raw={**pipeline, "workflows": workflows},
    )


def workflow_run(
    pipeline: Mapping[str, Any], workflow: Mapping[str, Any], jobs: tuple[JobInfo, ...], *, url: str
) -> RunInfo:
    """One workflow as a run of its own: its status, its jobs, attempt 1 (a re-run of it is a new
    workflow, so another run), as the agent, the webhooks and the hub count it."""
    status, conclusion = state(WORKFLOW_STATUSES, workflow.get("status"))
    vcs = pipeline.get("vcs") or {}
    return RunInfo(
        id=str(workflow["id"]),
        status=status,
        conclusion=conclusion,
        url=url,
        workflow=str(workflow.get("name") or ""),
        branch=str(vcs.get("branch") or vcs.get("tag") or ""),
        commit_sha=str(vcs.get("revision") or ""),
        event=str((pipeline.get("trigger") or {}).get("type") or ""),
        attempt=1,
        created_at=parse_time(workflow.get("created_at")),
        updated_at=parse_time(workflow.get("stopped_at")),
        jobs=jobs,
        raw={**workflow, "pipeline": dict(pipeline)},
    )


def job_of_workflow(data: Mapping[str, Any], workflow: Mapping[str, Any], pipeline_url: str) -> JobInfo:
    """A job, named by its number (what logs and artifacts are addressed by); an approval job has no
    number and is named by its UUID."""
    status, conclusion = state(JOB_STATUSES, data.get("status"))
    number = data.get("job_number")
    url = f"{pipeline_url}/workflows/{workflow.get('id')}"
    return JobInfo(
        id=str(number) if number is not None else str(data["id"]),
        name=str(data.get("name") or ""),
        status=status,
        conclusion=conclusion,
        url=f"{url}/jobs/{number}" if number is not None else url,
        started_at=parse_time(data.get("started_at")),
        completed_at=parse_time(data.get("stopped_at")),
        raw=dict(data),
    )
