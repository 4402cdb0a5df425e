"""Test results from the report artifacts of a failed run the monitor found and nobody reported.

Without the agent a run's tests are known only from what the CI kept: the monitor lists the run's
artifacts through the project's client (its rate limits shared), keeps those named like test results
(``MONITOR_ARTIFACT_NAMES``), downloads each (bounded by ``MONITOR_ARTIFACT_MAX_BYTES``) into a temporary
directory with the clients' safe extraction (no ``..``, no absolute path, no link out, bounded expansion),
and reads the files matching ``MONITOR_REPORT_GLOBS`` with the agent's parsers (XML entities off), at most
``MONITOR_ARTIFACTS_MAX_TOTAL_BYTES`` of them a run. They load through ``ingest``, the uploads' own path,
as the stand-in source (``hub.runs.services.stand_ins``): the run's own report replaces them when it comes.

Exactly once: a run with any upload is not read (the agent reported it, or this did), checked under the
project's lock, and the load is keyed by the run and job, so two workers cannot both load it. A refused
artifact (unsafe, too large, unreadable) is a file record with its reason on the upload, beside the files
that loaded; a rate limit or a refused token stops the poll as the monitor's other calls do.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from agent import parsers
from agent.globs import matches
from agent.model import ReportParseError
from agent.providers import (
    ArtifactInfo,
    AuthenticationError,
    DownloadTooLarge,
    Provider,
    ProviderError,
    RateLimitedError,
)
from hub.runs.models import Run, Upload
from hub.runs.services import load
from hub.runs.services.errors import IngestError, human_size
from hub.runs.services.header import Header
from hub.runs.services.ingest import ingest
from hub.runs.services.multipart import iter_case_batches
from hub.runs.services.stand_ins import STAND_IN
from hub.runs.services.validation import validate_header

log = logging.getLogger(__name__)

STOPS_POLL = (RateLimitedError, AuthenticationError)
MAX_REASON = 10_000  # a file record's error, as the report schema bounds it


@dataclass
class Read:
    """What reading one run's artifacts came to: result rows loaded and the files refused, with reasons."""

    results: int = 0
    refused: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class JobRef:
    name: str
    provider_job_id: str
    failed: bool


@dataclass
class _Batch:
    """The report files of one job: records for the upload's ``files``, paths that parsed, their digests."""

    records: list[dict[str, Any]] = field(default_factory=list)
    good: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)


def chosen(artifacts: Sequence[ArtifactInfo], names: Sequence[str], limit: int) -> list[ArtifactInfo]:
    """The unexpired artifacts named like test results (``names``: ``*`` matches anything, case ignored),
    in the provider's order, at most ``limit``."""
    patterns = [pattern.lower() for pattern in names]
    found = [
        a
        for a in artifacts
        if not a.expired and any(fnmatchcase(a.name.lower(), pattern) for pattern in patterns)
    ]
    return found[:limit]


def job_for(artifact: ArtifactInfo, jobs: Sequence[JobRef]) -> JobRef | None:
    """The job whose results an artifact holds: the job it belongs to (GitLab's and CircleCI's artifacts
    carry its id), else the job its name contains (GitHub's belong to the run: ``junit-unit`` from the
    ``unit`` job), else the first failed job, else the first job."""
    for job in jobs:
        job_id = job.provider_job_id
        if job_id and (artifact.id == job_id or artifact.id.startswith(f"{job_id}:")):
            return job
    name = artifact.name.lower()
    for job in sorted(jobs, key=lambda j: -len(j.name)):
        if job.name and job.name.lower() in name:
            return job
    return next((job for job in jobs if job.failed), jobs[0] if jobs else None)


def too_large(artifact: ArtifactInfo, limit: int, *, downloaded: bool = False) -> str:
    """Why an artifact is not read for its size, or "": its listed size past ``limit``, or (``downloaded``)
    its download ran past it (CircleCI lists no sizes)."""
    if not downloaded and (artifact.size is None or artifact.size <= limit):
        return ""
    size = "more as downloaded" if downloaded else human_size(artifact.size or 0)
    return (
        f"artifact {artifact.name!r} is {size}, larger than MONITOR_ARTIFACT_MAX_BYTES "
        f"({human_size(limit)}); raise it to read this artifact"
    )


def file_too_large(size: int, budget: int) -> str:
    """Why a report file of ``size`` bytes is not read, ``budget`` bytes being left for the run, or ""."""
    if size > settings.REPORT_MAX_BYTES:
        limit = f"REPORT_MAX_BYTES ({human_size(settings.REPORT_MAX_BYTES)})"
        return f"{human_size(size)} is larger than {limit}; raise it to read this file"
    if size > budget:
        limit = (
            f"MONITOR_ARTIFACTS_MAX_TOTAL_BYTES ({human_size(settings.MONITOR_ARTIFACTS_MAX_TOTAL_BYTES)})"
        )
        return f"{human_size(size)} is past what {limit} leaves for this run; raise it to read this file"
    return ""


def read_run_artifacts(client: Provider, run: Run) -> Read:
    """Load the test results of ``run``'s report artifacts, once; ``client`` is the monitor's."""
    result = Read()
    if settings.MONITOR_ARTIFACTS_PER_RUN == 0 or Upload.objects.filter(run=run).exists():
        return result
    try:
        listed = client.list_artifacts(run.provider_run_id)
    except STOPS_POLL:
        raise
    except ProviderError as exc:
        result.refused.append(f"the artifacts of run {run.provider_run_id} could not be listed: {exc}")
        return result
    wanted = chosen(listed, settings.MONITOR_ARTIFACT_NAMES, settings.MONITOR_ARTIFACTS_PER_RUN)
    if not wanted:
        return result
    jobs = [
        JobRef(name, job_id, conclusion in ("failure", "timed_out"))
        for name, job_id, conclusion in run.jobs.values_list("name", "provider_job_id", "conclusion")
    ]
    batches: dict[JobRef | None, _Batch] = {}
    budget = settings.MONITOR_ARTIFACTS_MAX_TOTAL_BYTES
    with tempfile.TemporaryDirectory(prefix="orchestrate-artifacts-") as scratch:
        for number, artifact in enumerate(wanted):
            batch = batches.setdefault(job_for(artifact, jobs), _Batch())
            budget = _read_artifact(client, run, artifact, Path(scratch) / str(number), batch, budget)
        for job, batch in batches.items():
            result.results += _load(run, job, batch)
            result.refused += [f"{r['path']}: {r['error']}" for r in batch.records if r.get("error")]
    for reason in result.refused:
        log.warning("artifacts of run %s of %s: %s", run.pk, run.project.full_name, reason)
    return result


def _read_artifact(
    client: Provider, run: Run, artifact: ArtifactInfo, dest: Path, batch: _Batch, budget: int
) -> int:
    """Download one artifact and parse its report files into ``batch``; returns the byte budget left."""
    label = f"artifact {artifact.name}"[:4096]
    limit = settings.MONITOR_ARTIFACT_MAX_BYTES  # the monitor's client bounds downloads with it too
    reason = too_large(artifact, limit)
    if not reason:
        try:
            client.download_artifacts(run.provider_run_id, dest, name=artifact.name)
        except STOPS_POLL:
            raise
        except DownloadTooLarge:
            reason = too_large(artifact, limit, downloaded=True)
        except ProviderError as exc:
            reason = str(exc)
    if reason:
        batch.records.append({"path": label, "format": None, "error": reason[:MAX_REASON], "cases": None})
        return budget
    files = sorted(p for p in dest.rglob("*") if p.is_file() and not p.is_symlink())
    for path in files:
        relative = path.relative_to(dest).as_posix()
        if not any(matches(relative, glob) for glob in settings.MONITOR_REPORT_GLOBS):
            continue
        name = relative[:4096]  # under the directory the client names after the artifact (or its job)
        size = path.stat().st_size
        if error := file_too_large(size, budget):
            batch.records.append({"path": name, "format": None, "error": error, "cases": None})
            continue
        budget -= size
        record: dict[str, Any] = {"path": name, "format": None, "error": None, "cases": None}
        try:
            reader = parsers.read_report(path)
            record["format"] = reader.format
            record["cases"] = sum(1 for _ in reader)
        except ReportParseError as exc:
            record["error"] = str(replace(exc.error, path=name))[:MAX_REASON]
        else:
            batch.good.append(str(path))
            batch.digests.append(f"{name}\x1f{hashlib.sha256(path.read_bytes()).hexdigest()}")
        batch.records.append(record)
    return budget


def _load(run: Run, job: JobRef | None, batch: _Batch) -> int:
    """Load one job's report files (or only their refusals) as a stand-in upload; the rows loaded."""
    if not batch.records:
        return 0
    name = job.name if job is not None else "artifacts"
    doc: dict[str, Any] = {
        "version": 1,
        "run": {"provider": run.provider, "run_id": run.provider_run_id, "attempt": run.attempt},
        "job": {"name": name, "id": (job.provider_job_id or None) if job is not None else None},
        "files": batch.records,
        "coverage": None,
    }
    digest = hashlib.sha256("\x1e".join(sorted([*batch.digests, repr(batch.records)])).encode()).hexdigest()
    try:
        header = Header.from_document(run.project, validate_header(doc))
        with transaction.atomic():
            load.lock_project(run.project_id)
            if Upload.objects.filter(run=run).exclude(source=STAND_IN).exists():
                return 0  # the run's own report arrived meanwhile
            receipt = ingest(
                run.project,
                header,
                iter_case_batches(batch.good),
                content_sha256=digest,
                idempotency_key=f"{STAND_IN}:{run.pk}:{name}"[:200],
                source=STAND_IN,
            )
    except IngestError as exc:
        batch.records.append({"path": name, "error": exc.message})
        return 0
    return 0 if receipt.replayed else receipt.upload.results
