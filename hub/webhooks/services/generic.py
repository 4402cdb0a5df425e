"""The generic webhook: any CI posts runs and jobs in a documented JSON shape (docs/webhooks.md).

Its status words are mapped to ours by the project's ``Integration.status_mapping`` (``{"passed":
"success", "running": "in_progress"}``); words already in our vocabulary need no mapping. A word that is
neither fails the delivery with a message naming it, so the operator can map it and replay.
"""

from __future__ import annotations

from typing import Any

from hub.integrations.models import OUR_CONCLUSIONS, OUR_STATES
from hub.integrations.services import integration_of
from hub.projects.models import Project
from hub.runs.models import RunStatus
from hub.webhooks.models import Delivery
from hub.webhooks.services.outcome import Outcome
from hub.webhooks.services.record import parse_time, positive_int, record, text

EVENTS = frozenset({"run", "job"})
MAX_JOBS = 1000


class UnknownStatus(ValueError):
    pass


def event_of(payload: dict[str, Any]) -> str:
    return "job" if payload.get("job") or payload.get("jobs") else "run"


def process(delivery: Delivery, payload: dict[str, Any]) -> Outcome:
    project = delivery.project
    if project is None:
        return Outcome.ignored("the delivery names no project")
    run = payload.get("run")
    if not isinstance(run, dict) or not text(run.get("id"), 200):
        return Outcome.failed('The body needs "run": {"id": ...}; see docs/webhooks.md for the shape.')
    integration = integration_of(project)
    mapping = integration.status_mapping if integration is not None else {}
    jobs = payload.get("jobs") if isinstance(payload.get("jobs"), list) else []
    if isinstance(payload.get("job"), dict):
        jobs = [payload["job"], *jobs]
    if len(jobs) > MAX_JOBS:
        return Outcome.failed(f"{len(jobs)} jobs in one delivery; send at most {MAX_JOBS}.")
    try:
        run_fields = _run(project, run, mapping)
        job_fields = [_job(job, mapping) for job in jobs if isinstance(job, dict)]
    except UnknownStatus as exc:
        return Outcome.failed(str(exc))
    if any(not job["name"] for job in job_fields):
        return Outcome.failed('Every job needs a "name".')
    found, written = record(project, run_fields, job_fields)
    return Outcome.processed(f"run {found.pk} is {found.status} with {len(written)} job(s)")


def _state(item: dict[str, Any], mapping: dict[str, str], where: str) -> dict[str, Any]:
    status: str | None = None
    conclusion: str | None = None
    for key in ("status", "conclusion"):
        word = item.get(key)
        if word in (None, ""):
            continue
        ours = mapping.get(word, word) if isinstance(word, str) else None
        if ours in OUR_STATES:
            status = ours
        elif ours in OUR_CONCLUSIONS:
            status, conclusion = RunStatus.COMPLETED, ours
        else:
            raise UnknownStatus(
                f"{where}.{key} {word!r} is not one of ours ({', '.join(OUR_STATES + OUR_CONCLUSIONS)}): "
                "map it in the project's integration (status mapping), then replay the delivery."
            )
    return {"status": status, "conclusion": conclusion}


def _run(project: Project, run: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    return {
        "provider": project.provider,
        "provider_run_id": text(run.get("id"), 200),
        "attempt": positive_int(run.get("attempt")) or 1,
        "run_number": text(run.get("number"), 100),
        "workflow": text(run.get("workflow"), 1000),
        "event": text(run.get("event"), 100),
        "branch": text(run.get("branch"), 500),
        "base_branch": text(run.get("base_branch"), 500),
        "commit_sha": text(run.get("commit_sha"), 64).lower(),
        "pull_request": positive_int(run.get("pull_request")),
        "url": text(run.get("url"), 2000),
        **_state(run, mapping, "run"),
        "started_at": parse_time(run.get("started_at")),
        "finished_at": parse_time(run.get("finished_at")),
    }


def _job(job: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    return {
        "name": text(job.get("name"), 1000),
        "provider_job_id": text(job.get("id"), 200),
        "url": text(job.get("url"), 2000),
        **_state(job, mapping, "job"),
        "started_at": parse_time(job.get("started_at")),
        "finished_at": parse_time(job.get("finished_at")),
    }
