"""Reports sent as ``multipart/form-data``: raw report files plus run fields, for ``curl`` from any CI.

Form fields become a version-1 header and pass the same schema as the agent's JSON. Each report file is
read once to check it (a bad one is named with its reason and left out) and once more to load it, so
what lands is exactly the files that parsed; coverage files and artifacts ride along.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from itertools import chain
from typing import Any

from django.conf import settings

from agent import parsers
from agent.document import case_to_json, coverage_to_json
from agent.model import ReportParseError
from hub.runs.services.cases import Case, case_from_json
from hub.runs.services.errors import InvalidDocument, MalformedBody
from hub.runs.services.storable import storable_case
from hub.runs.services.transform import batches
from hub.runs.services.validation import validate_header

INT_FIELDS = {"attempt", "pull_request"}
RUN_FIELDS = {
    "provider": "provider",
    "repository": "repository",
    "run_id": "run_id",
    "attempt": "attempt",
    "run_attempt": "attempt",
    "number": "number",
    "workflow": "workflow",
    "event": "event",
    "branch": "branch",
    "base_branch": "base_branch",
    "commit_sha": "commit_sha",
    "sha": "commit_sha",
    "pull_request": "pull_request",
    "url": "url",
    "run_url": "url",
    "status": "status",
    "conclusion": "conclusion",
    "started_at": "started_at",
    "finished_at": "finished_at",
}
JOB_FIELDS = {
    "job": "name",
    "job_name": "name",
    "job_id": "id",
    "job_url": "url",
    "job_status": "status",
    "job_conclusion": "conclusion",
}
OTHER_FIELDS = {"project"}


def header_from_fields(fields) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(RUN_FIELDS) - set(JOB_FIELDS) - OTHER_FIELDS)
    if unknown:
        raise InvalidDocument(
            f"Unknown form field(s) {', '.join(unknown)}; see docs/report-format.md for the field names."
        )
    run: dict[str, Any] = {}
    job: dict[str, Any] = {}
    for source, target, into in chain(
        ((s, t, run) for s, t in RUN_FIELDS.items()), ((s, t, job) for s, t in JOB_FIELDS.items())
    ):
        value = fields.get(source)
        if value in (None, ""):
            continue
        if target in INT_FIELDS:
            try:
                value = int(value)
            except ValueError:
                raise InvalidDocument(f"Form field {source}={value!r} must be an integer.") from None
        into[target] = value
    doc: dict[str, Any] = {"version": 1, "run": run}
    if job:
        doc["job"] = job
    if fields.get("project"):
        doc["project"] = fields["project"]
    return doc


def content_digest(fields, files) -> str:
    digest = hashlib.sha256(json.dumps(sorted(fields.lists()), separators=(",", ":")).encode())
    for field, name, sha256 in sorted((f, u.name, u.sha256) for f in files for u in files.getlist(f)):
        digest.update(f"\x1f{field}\x1f{name}\x1f{sha256}".encode())
    return digest.hexdigest()


def read_files(files) -> tuple[list[dict[str, Any]], list[str], dict[str, Any] | None]:
    """Check every report file; return the file records, the paths that parsed, and merged coverage."""
    records: list[dict[str, Any]] = []
    good: list[str] = []
    coverage = None
    for field in files:
        for uploaded in files.getlist(field):
            if field == "artifact":
                continue
            path = uploaded.temporary_file_path()
            if field == "coverage":
                try:
                    parsed = parsers.read_coverage(path)
                except ReportParseError as exc:
                    records.append(
                        {"path": uploaded.name, "format": None, "error": _named(exc, uploaded.name)}
                    )
                    continue
                coverage = coverage_to_json(parsed)
                records.append({"path": uploaded.name, "format": parsed.format, "error": None})
                continue
            record = {"path": uploaded.name, "format": None, "error": None, "cases": 0}
            try:
                reader = parsers.read_report(path)
                record["format"] = reader.format
                record["cases"] = sum(1 for _ in reader)
                good.append(path)
            except ReportParseError as exc:
                record["error"] = _named(exc, uploaded.name)
                record["cases"] = None
            records.append(record)
    if not records:
        raise MalformedBody(
            "The upload has no report files: send JUnit XML (or other reports) as file fields."
        )
    if not good and coverage is None:
        reasons = "; ".join(r["error"] for r in records if r["error"])
        raise InvalidDocument(f"No report file could be read: {reasons}", details=records)
    return records, good, coverage


def _named(exc: ReportParseError, name: str) -> str:
    """The parser names the temporary file; a person needs the name they uploaded."""
    return str(replace(exc.error, path=name))


def iter_case_batches(paths: list[str]) -> Iterator[list[Case]]:
    """The parsed cases in batches of the shape the loader reads (as if they came in a document)."""
    cases = (
        storable_case(case_from_json(case_to_json(case)))
        for path in paths
        for case in parsers.read_report(path)
    )
    return batches(cases, settings.INGEST_BATCH_SIZE)


def header_document(fields, records, coverage) -> dict[str, Any]:
    doc = header_from_fields(fields)
    doc["files"] = records
    doc["coverage"] = coverage
    return validate_header(doc)
