"""CircleCI events in the hub's terms: workflow-completed ends a run, job-completed ends a job.

A run is the workflow, identified as the agent identifies it (``agent/ci/circleci.py``):
``CIRCLE_WORKFLOW_ID`` is ``workflow.id``; a re-run is a new workflow, so the attempt is 1. The CircleCI
client takes that id as a run of its own, so the hub re-runs, cancels and reconciles the run by it. Jobs are
named by ``CIRCLE_JOB`` on both sides. CircleCI sends only completions, so runs appear when their first
job ends; the agent's reports (or the reconcile task) cover the time before.

Conclusions are translated by the CircleCI client's tables (``agent.providers.circleci.WORKFLOW_STATUSES``
and ``JOB_STATUSES``), the one translation the CLI, the reconcile task and these webhooks share;
``ON_COMPLETION`` and ``held`` say where the hub must differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from agent.providers.circleci import JOB_STATUSES, WORKFLOW_STATUSES
from agent.providers.circleci import state as circleci_state
from hub.projects.models import Project
from hub.runs.models import Conclusion, RunStatus
from hub.webhooks.models import Delivery
from hub.webhooks.services.outcome import Outcome
from hub.webhooks.services.record import parse_time, positive_int, record, text

EVENTS = frozenset({"workflow-completed", "job-completed", "ping"})
PROVIDER = "circleci"
VCS_PREFIXES = frozenset({"github", "gh", "bitbucket", "bb"})

# Where a completion event reads a status otherwise than the client's tables: those read a status that is
# polled while the workflow runs, where ``failing`` means "a job failed, the others go on"; an event saying
# the workflow or job completed while failing means it failed.
ON_COMPLETION: dict[str, str] = {"failing": Conclusion.FAILURE}
# Statuses after which the same workflow or job can still start, so the hub keeps it queued. ``on_hold`` (an
# approval job and its workflow, waiting for a person) ends the CLI's ``wait`` as finished and neutral; but
# the hub's state only moves forward and a conclusion sticks, and the approval can still come. Webhooks
# report completions only, so only the reconcile task meets it.
STILL_STARTS = frozenset({"on_hold"})


def project_name(payload: dict[str, Any]) -> str | None:
    """``org/repo`` from ``project.slug`` (``github/org/repo``), else from the pipeline's repository URL."""
    project = payload.get("project") if isinstance(payload.get("project"), dict) else {}
    slug = project.get("slug")
    if isinstance(slug, str):
        head, _, rest = slug.partition("/")
        if head in VCS_PREFIXES and "/" in rest:
            return rest
    vcs = (payload.get("pipeline") or {}).get("vcs") if isinstance(payload.get("pipeline"), dict) else None
    if isinstance(vcs, dict):
        for key in ("target_repository_url", "origin_repository_url"):
            url = vcs.get(key)
            if isinstance(url, str) and url:
                path = urlsplit(url).path.strip("/").removesuffix(".git")
                if "/" in path:
                    return path
    return None


def process(delivery: Delivery, payload: dict[str, Any]) -> Outcome:
    if delivery.event == "ping":
        return Outcome.processed("ping: the hook reaches the hub")
    handler = HANDLERS.get(delivery.event)
    if handler is None:
        return Outcome.ignored(f"CircleCI event {delivery.event!r} is not used by the hub")
    if delivery.project is None:
        return Outcome.ignored("the CircleCI project is not a project of this hub")
    return handler(delivery.project, payload)


def held(data: Mapping[str, Any]) -> bool:
    """Whether the hub keeps this workflow or job queued though the client calls it finished
    (``STILL_STARTS``); the reconcile task asks too, about what the client read."""
    return str(data.get("status")) in STILL_STARTS


def conclusion(table: Mapping[str, Any], value: Any) -> str | None:
    """The conclusion of a workflow (``WORKFLOW_STATUSES``) or job (``JOB_STATUSES``) that completed with
    status ``value``; None when the status has none."""
    if str(value) in ON_COMPLETION:
        return ON_COMPLETION[str(value)]
    return circleci_state(table, value)[1]


def _run_fields(payload: dict[str, Any]) -> dict[str, Any] | None:
    workflow = payload.get("workflow") if isinstance(payload.get("workflow"), dict) else {}
    workflow_id = text(workflow.get("id"), 200)
    if not workflow_id:
        return None
    pipeline = payload.get("pipeline") if isinstance(payload.get("pipeline"), dict) else {}
    vcs = pipeline.get("vcs") if isinstance(pipeline.get("vcs"), dict) else {}
    return {
        "provider": PROVIDER,
        "provider_run_id": workflow_id,
        "attempt": 1,
        "run_number": text(pipeline.get("number"), 100),
        "workflow": text(workflow.get("name"), 1000),
        "event": text((pipeline.get("trigger") or {}).get("type"), 100),
        "branch": text(vcs.get("branch"), 500),
        "commit_sha": text(vcs.get("revision"), 64).lower(),
        "url": text(workflow.get("url"), 2000),
        "started_at": parse_time(workflow.get("created_at")),
    }


def _workflow_completed(project: Project, payload: dict[str, Any]) -> Outcome:
    fields = _run_fields(payload)
    if fields is None:
        return Outcome.failed("workflow.id is missing")
    workflow = payload["workflow"]
    run, _ = record(
        project,
        {
            **fields,
            "status": RunStatus.COMPLETED,
            "conclusion": conclusion(WORKFLOW_STATUSES, workflow.get("status")),
            "finished_at": parse_time(workflow.get("stopped_at")),
        },
    )
    return Outcome.processed(f"run {run.pk} is {run.status}")


def _job_completed(project: Project, payload: dict[str, Any]) -> Outcome:
    fields = _run_fields(payload)
    job = payload.get("job") if isinstance(payload.get("job"), dict) else {}
    name = text(job.get("name"), 1000)
    if fields is None or not name:
        return Outcome.failed("workflow.id or job.name is missing")
    number = positive_int(job.get("number"))
    run, jobs = record(
        project,
        {**fields, "status": RunStatus.IN_PROGRESS},
        [
            {
                "name": name,
                "provider_job_id": text(job.get("id"), 200),
                "url": f"{fields['url']}/jobs/{number}" if fields["url"] and number else "",
                "status": RunStatus.COMPLETED,
                "conclusion": conclusion(JOB_STATUSES, job.get("status")),
                "started_at": parse_time(job.get("started_at")),
                "finished_at": parse_time(job.get("stopped_at")),
            }
        ],
    )
    return Outcome.processed(f"job {jobs[0].pk} of run {run.pk} is {jobs[0].status}")


HANDLERS = {"workflow-completed": _workflow_completed, "job-completed": _job_completed}
