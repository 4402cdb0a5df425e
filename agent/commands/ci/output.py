"""How runs, jobs and artifacts look: aligned text for people, JSON for programs.

JSON is our fields (``as_json``) plus ``raw``, the provider's own document, so a script can reach a field
we do not map without waiting for us. Text goes to stdout; progress and notes go to stderr, so
``--json | jq`` always reads clean JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agent.providers.base import ArtifactInfo, JobInfo, RunInfo


def run_json(run: RunInfo) -> dict[str, Any]:
    document = run.as_json()
    document["jobs"] = [job_json(job) for job in run.jobs]
    document["raw"] = run.raw
    return document


def job_json(job: JobInfo) -> dict[str, Any]:
    return {**job.as_json(), "raw": job.raw}


def artifact_json(artifact: ArtifactInfo) -> dict[str, Any]:
    return {**artifact.as_json(), "raw": artifact.raw}


def dumps(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, default=str)


def state(item: RunInfo | JobInfo) -> str:
    """One word for where a run or job is: its conclusion once completed, else its status."""
    if item.status == "completed":
        return item.conclusion or item.status
    return item.status


def duration(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"


def job_duration(job: JobInfo) -> str:
    if job.started_at is None or job.completed_at is None:
        return ""
    return duration((job.completed_at - job.started_at).total_seconds())


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows as left-aligned columns two spaces apart (the last column is not padded)."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join([cell.ljust(width) for cell, width in zip(row, widths, strict=False)] + [row[-1]]).rstrip()
        for row in rows
    ]


def runs_table(runs: Iterable[RunInfo]) -> list[str]:
    rows = [["STATE", "ID", "WORKFLOW", "BRANCH", "EVENT", "CREATED"]]
    rows += [[state(r), r.id, r.workflow, r.branch, r.event, when(r.created_at)] for r in runs]
    return table(rows)


def jobs_table(jobs: Iterable[JobInfo]) -> list[str]:
    rows = [["STATE", "ID", "JOB", "TIME"]]
    rows += [[state(j), j.id, j.name, job_duration(j)] for j in jobs]
    return table(rows)


def run_text(run: RunInfo) -> list[str]:
    commit = run.commit_sha[:12] if run.commit_sha else ""
    lines = [
        f"run {run.id}: {state(run)}",
        f"workflow  {run.workflow}",
        f"branch    {run.branch}" + (f" ({run.event}, {commit})" if run.event or commit else ""),
        f"attempt   {run.attempt}",
        f"url       {run.url}",
    ]
    if run.jobs:
        lines += ["", *jobs_table(run.jobs)]
    return lines


def artifacts_table(artifacts: Iterable[ArtifactInfo]) -> list[str]:
    rows = [["NAME", "SIZE", "ID", "EXPIRED"]]
    rows += [
        [a.name, "" if a.size is None else str(a.size), a.id, "yes" if a.expired else "no"] for a in artifacts
    ]
    return table(rows)
