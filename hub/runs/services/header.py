"""The header of a report, in the hub's terms: the run and job it belongs to, its coverage and files.

Checked against the project the token belongs to, so a report cannot land in another team's project.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agent.document import coverage_from_json
from agent.model import Coverage
from hub.projects.models import Project
from hub.runs.services.errors import InvalidDocument, WrongProject
from hub.runs.services.storable import storable


@dataclass(frozen=True)
class Header:
    """The validated run, job and coverage of a report, in the hub's terms."""

    run: dict[str, Any]
    job: dict[str, Any]
    coverage: Coverage | None
    files: list[dict[str, Any]]

    @classmethod
    def from_document(cls, project: Project, doc: dict[str, Any]) -> Header:
        """From a validated document (JSON or multipart), its strings made storable (``storable``)."""
        doc = storable(doc)
        named = doc.get("project")
        if named and named.lower() != project.full_name.lower():
            raise WrongProject(
                f"The report names project {named!r} but the token belongs to {project.full_name!r}."
            )
        run = doc["run"]
        repository = run.get("repository")
        if repository and repository.lower() != project.full_name.lower():
            raise WrongProject(
                f"The run is from repository {repository!r} but the token belongs to {project.full_name!r}."
            )
        job = doc.get("job") or {}
        coverage = doc.get("coverage")
        return cls(
            run={
                "provider": run.get("provider") or project.provider,
                "provider_run_id": run["run_id"],
                "attempt": run.get("attempt") or 1,
                "run_number": run.get("number") or "",
                "workflow": run.get("workflow") or "",
                "event": run.get("event") or "",
                "branch": run.get("branch") or "",
                "base_branch": run.get("base_branch") or "",
                "commit_sha": (run.get("commit_sha") or "").lower(),
                "pull_request": run.get("pull_request"),
                "url": run.get("url") or "",
                "status": run.get("status"),
                "conclusion": run.get("conclusion"),
                "started_at": _timestamp(run.get("started_at"), "run.started_at"),
                "finished_at": _timestamp(run.get("finished_at"), "run.finished_at"),
            },
            job={
                "name": job.get("name") or "default",
                "provider_job_id": job.get("id") or "",
                "url": job.get("url") or "",
                "status": job.get("status"),
                "conclusion": job.get("conclusion"),
                "started_at": _timestamp(job.get("started_at"), "job.started_at"),
                "finished_at": _timestamp(job.get("finished_at"), "job.finished_at"),
            },
            coverage=coverage_from_json(coverage) if coverage else None,
            files=list(doc.get("files") or []),
        )


def _timestamp(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidDocument(f"report.{field} {value!r} is not an ISO 8601 date-time")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, timezone.UTC)
