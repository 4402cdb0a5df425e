"""The report document (version 1): ``agent.model`` values to JSON and back.

The agent writes it, the hub reads it; both sides use these functions so the two cannot drift. The JSON
Schema in ``agent/schemas/report-v1.schema.json`` is the published contract (see docs/report-format.md).
The writer streams: cases go out as they are parsed, so memory does not grow with the report.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from importlib import resources
from typing import IO, Any

from agent.model import (
    MAX_MESSAGE_CHARS,
    MAX_NAME_CHARS,
    MAX_OUTPUT_CHARS,
    MAX_TRACE_CHARS,
    Coverage,
    FileCoverage,
    Rerun,
    RunContext,
    Status,
    TestCase,
    clip,
)

VERSION = 1
SCHEMA_RESOURCE = "schemas/report-v1.schema.json"
_CHUNK = 512  # cases serialised per json.dumps call: the C encoder is fastest on a list


def load_schema() -> dict[str, Any]:
    return json.loads(resources.files("agent").joinpath(SCHEMA_RESOURCE).read_text("utf-8"))


def _drop_none(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None and v != () and v != []}


def rerun_to_json(rerun: Rerun) -> dict[str, Any]:
    return _drop_none(
        {
            "status": rerun.status.value,
            "duration": rerun.duration,
            "message": rerun.message,
            "type": rerun.failure_type,
            "trace": rerun.trace,
        }
    )


def case_to_json(case: TestCase) -> dict[str, Any]:
    doc = _drop_none(
        {
            "name": case.name,
            "classname": case.classname,
            "suite": case.suite,
            "file": case.file,
            "line": case.line,
            "status": case.status.value,
            "duration": case.duration,
            "message": case.message,
            "type": case.failure_type,
            "trace": case.trace,
            "stdout": case.stdout,
            "stderr": case.stderr,
        }
    )
    if case.properties:
        doc["properties"] = [list(p) for p in case.properties]
    if case.reruns:
        doc["reruns"] = [rerun_to_json(r) for r in case.reruns]
    return doc


def rerun_from_json(doc: dict[str, Any]) -> Rerun:
    return Rerun(
        status=Status(doc["status"]),
        duration=doc.get("duration"),
        message=clip(doc.get("message"), MAX_MESSAGE_CHARS),
        failure_type=clip(doc.get("type"), MAX_NAME_CHARS),
        trace=clip(doc.get("trace"), MAX_TRACE_CHARS),
    )


def case_from_json(doc: dict[str, Any]) -> TestCase:
    """Build a case from a validated JSON object, applying the model's bounds to free text."""
    return TestCase(
        name=doc["name"],
        status=Status(doc["status"]),
        classname=doc.get("classname"),
        suite=doc.get("suite"),
        file=doc.get("file"),
        line=doc.get("line"),
        duration=doc.get("duration"),
        message=clip(doc.get("message"), MAX_MESSAGE_CHARS),
        failure_type=clip(doc.get("type"), MAX_NAME_CHARS),
        trace=clip(doc.get("trace"), MAX_TRACE_CHARS),
        stdout=clip(doc.get("stdout"), MAX_OUTPUT_CHARS),
        stderr=clip(doc.get("stderr"), MAX_OUTPUT_CHARS),
        properties=tuple((str(k), str(v)) for k, v in doc.get("properties") or ()),
        reruns=tuple(rerun_from_json(r) for r in doc.get("reruns") or ()),
    )


def coverage_to_json(coverage: Coverage) -> dict[str, Any]:
    return {
        "format": coverage.format,
        "lines_covered": coverage.lines_covered,
        "lines_valid": coverage.lines_valid,
        "branches_covered": coverage.branches_covered,
        "branches_valid": coverage.branches_valid,
        "files": [
            {
                "path": f.path,
                "lines_covered": f.lines_covered,
                "lines_valid": f.lines_valid,
                "branches_covered": f.branches_covered,
                "branches_valid": f.branches_valid,
            }
            for f in coverage.files
        ],
    }


def coverage_from_json(doc: dict[str, Any]) -> Coverage:
    return Coverage(
        format=doc["format"],
        lines_covered=doc["lines_covered"],
        lines_valid=doc["lines_valid"],
        branches_covered=doc.get("branches_covered", 0),
        branches_valid=doc.get("branches_valid", 0),
        files=tuple(
            FileCoverage(
                path=f["path"],
                lines_covered=f["lines_covered"],
                lines_valid=f["lines_valid"],
                branches_covered=f.get("branches_covered", 0),
                branches_valid=f.get("branches_valid", 0),
            )
            for f in doc.get("files") or ()
        ),
    )


def run_to_json(ctx: RunContext) -> dict[str, Any]:
    return _drop_none(
        {
            "provider": ctx.provider,
            "repository": ctx.repository,
            "run_id": ctx.run_id,
            "attempt": ctx.run_attempt,
            "number": ctx.run_number,
            "workflow": ctx.workflow,
            "event": ctx.event,
            "branch": ctx.branch,
            "base_branch": ctx.base_branch,
            "commit_sha": ctx.commit_sha,
            "pull_request": ctx.pull_request,
            "url": ctx.run_url,
        }
    )


def job_to_json(ctx: RunContext) -> dict[str, Any] | None:
    if not ctx.job_name and not ctx.job_finished:
        return None
    status = "completed" if ctx.job_finished else None
    name = ctx.job_name or "default"  # the hub's name for a job that has none
    return _drop_none({"name": name, "id": ctx.job_id, "url": ctx.job_url, "status": status})


def iter_document(
    context: RunContext,
    cases: Iterable[TestCase],
    *,
    files: Iterable[dict[str, Any]] = (),
    coverage: Coverage | None = None,
    project: str | None = None,
) -> Iterator[bytes]:
    """Yield the document as UTF-8 chunks, header first and cases last, without holding all cases.

    Everything but ``cases`` comes first so the hub can read the header without scanning the cases. A
    caller that learns of parse errors only while streaming writes the cases to a spool first (see
    ``agent.upload``) and then the header; gzip members concatenate, so no bytes are copied twice.
    """
    header: dict[str, Any] = {"version": VERSION}
    if project:
        header["project"] = project
    header["run"] = run_to_json(context)
    job = job_to_json(context)
    if job:
        header["job"] = job
    header["coverage"] = coverage_to_json(coverage) if coverage else None
    header["files"] = list(files)
    head = json.dumps(header, ensure_ascii=False, separators=(",", ":"))
    yield (head[:-1] + ',"cases":[').encode()
    first = True
    chunk: list[dict[str, Any]] = []
    for case in cases:
        chunk.append(case_to_json(case))
        if len(chunk) >= _CHUNK:
            yield _encode_chunk(chunk, first)
            first = False
            chunk = []
    if chunk:
        yield _encode_chunk(chunk, first)
    yield b"]}"


def _encode_chunk(chunk: list[dict[str, Any]], first: bool) -> bytes:
    body = json.dumps(chunk, ensure_ascii=False, separators=(",", ":"))[1:-1]
    return (body if first else "," + body).encode()


def write_document(stream: IO[bytes], context: RunContext, cases: Iterable[TestCase], **kwargs: Any) -> None:
    for chunk in iter_document(context, cases, **kwargs):
        stream.write(chunk)
