"""Ingest a report in three named steps: validate, transform, load.

*Validate* checks the header against the published schema before anything is written, and each case as it
streams. *Transform* maps ``agent.model`` cases to result rows: every attempt a row, numbered per test.
*Load* runs in one transaction keyed for idempotency: the run and job (created or moved forward), the
upload record, tests and results in batches, counts, coverage. A retried upload (same idempotency key, or
the same content for the same job) finds its upload record and answers as the first did; any error rolls
everything back, so a refused report leaves no rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from agent.document import coverage_from_json
from agent.model import MAX_MESSAGE_CHARS, MAX_NAME_CHARS, MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, Coverage, clip
from hub.projects.models import Project
from hub.runs.models import CoverageReport, FileCoverage, Job, Run, RunStatus, Upload
from hub.runs.services import load, state
from hub.runs.services.errors import InvalidDocument, WrongProject
from hub.runs.services.identity import test_key

log = logging.getLogger(__name__)

_COUNT_FIELD = ("passed", "failed", "errors", "skipped")


@dataclass(frozen=True)
class Receipt:
    """What the hub answers for an upload: the same for the first request and every replay."""

    upload: Upload
    replayed: bool

    def body(self) -> dict[str, Any]:
        upload = self.upload
        return {
            "upload": upload.pk,
            "run": {
                "id": upload.run_id,
                "url": f"{settings.SITE_URL}/admin/runs/run/{upload.run_id}/change/",
                "api_url": f"{settings.SITE_URL}/api/v1/runs/{upload.run_id}/",
            },
            "job": {"id": upload.job_id},
            "results": upload.results,
            "files": upload.files,
        }


@dataclass(frozen=True)
class Header:
    """The validated run, job and coverage of a report, in the hub's terms."""

    run: dict[str, Any]
    job: dict[str, Any]
    coverage: Coverage | None
    files: list[dict[str, Any]]

    @classmethod
    def from_document(cls, project: Project, doc: dict[str, Any]) -> Header:
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


def find_replay(project: Project, idempotency_key: str | None) -> Receipt | None:
    if not idempotency_key:
        return None
    upload = Upload.objects.filter(project=project, idempotency_key=idempotency_key).first()
    return Receipt(upload, replayed=True) if upload else None


def ensure_run_and_job(project: Project, header: Header) -> tuple[Run, Job]:
    """The run and job a report or artifact belongs to, created or moved forward (inside a transaction)."""
    load.lock_project(project.pk)
    run = _upsert_run(project, header.run)
    return run, _upsert_job(run, header.job)


def ingest(
    project: Project,
    header: Header,
    cases: Iterable[dict[str, Any]],
    *,
    content_sha256: str,
    idempotency_key: str | None = None,
    source: str = "json",
) -> Receipt:
    """Load one report in one transaction, or find the upload that already loaded it."""
    with transaction.atomic():
        run, job = ensure_run_and_job(project, header)
        existing = Upload.objects.filter(
            Q(project=project, idempotency_key=idempotency_key) if idempotency_key else Q(pk__in=[]),
        ) | Upload.objects.filter(job=job, content_sha256=content_sha256)
        found = existing.first()
        if found is not None:
            return Receipt(found, replayed=True)
        upload = Upload.objects.create(
            project=project,
            run=run,
            job=job,
            idempotency_key=idempotency_key,
            content_sha256=content_sha256,
            source=source,
            files=header.files,
        )
        counts = _load_cases(project, run, job, upload, cases)
        upload.results = counts.pop("results")
        upload.save(update_fields=["results"])
        increments = {name: F(name) + value for name, value in counts.items() if value}
        if increments:
            Job.objects.filter(pk=job.pk).update(**increments)
            Run.objects.filter(pk=run.pk).update(**increments)
        if header.coverage is not None:
            _store_coverage(job, upload, header.coverage)
    return Receipt(upload, replayed=False)


def _upsert_run(project: Project, fields: dict[str, Any]) -> Run:
    key = {"project": project, "provider_run_id": fields["provider_run_id"], "attempt": fields["attempt"]}
    # A run is dated by when it started in CI when the report says so, else by its arrival.
    created = fields["started_at"] or timezone.now()
    Run.objects.bulk_create(
        [Run(**key, provider=fields["provider"], status=RunStatus.IN_PROGRESS, created_at=created)],
        ignore_conflicts=True,
    )
    run = Run.objects.select_for_update().get(**key)
    proposed = {**fields, "status": fields["status"] or RunStatus.IN_PROGRESS}
    _apply(
        run,
        proposed,
        descriptive=(
            "run_number",
            "workflow",
            "event",
            "branch",
            "base_branch",
            "commit_sha",
            "pull_request",
            "url",
        ),
    )
    return run


def _upsert_job(run: Run, fields: dict[str, Any]) -> Job:
    Job.objects.bulk_create([Job(run=run, name=fields["name"])], ignore_conflicts=True)
    job = Job.objects.select_for_update().get(run=run, name=fields["name"])
    proposed = {**fields, "status": fields["status"] or RunStatus.IN_PROGRESS}
    _apply(job, proposed, descriptive=("provider_job_id", "url"))
    return job


def _apply(obj: Run | Job, proposed: dict[str, Any], descriptive: tuple[str, ...]) -> None:
    current = {name: getattr(obj, name) for name in ("status", "conclusion", "started_at", "finished_at")}
    changes = state.advance(current, proposed)
    changes.update(
        state.fill_blanks(
            {n: getattr(obj, n) for n in descriptive}, {n: proposed.get(n) for n in descriptive}
        )
    )
    if changes:
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save(update_fields=[*changes, *(["updated_at"] if isinstance(obj, Run) else [])])


_FAILURES = frozenset(("failed", "error"))
STATISTICS_AFTER_NEW_TESTS = 2000
_COUNT_OF = {"passed": "passed", "failed": "failed", "error": "errors", "skipped": "skipped"}


def _load_cases(project: Project, run: Run, job: Job, upload: Upload, cases: Iterable[dict]) -> dict:
    """Transform and load cases in batches; return the counts of final outcomes for this upload.

    Cases are the document's validated objects (multipart reports are turned into the same shape). Each
    batch's test identities are resolved in one statement, then its rows are generated straight into the
    database's bulk writer, so on PostgreSQL the server stores one batch while Python builds the next rows.
    """
    now = timezone.now()
    loader = _RowLoader(run.pk, job.pk, upload.pk)
    statistics_fresh = False
    for batch in _batches(cases, settings.INGEST_BATCH_SIZE):
        keyed = []
        tests: dict[bytes, tuple] = {}
        for case in batch:
            suite = case.get("suite") or ""
            classname = case.get("classname") or ""
            file = case.get("file") or ""
            key = test_key((classname or suite, case["name"], file))
            tests[key] = (key, suite, classname, case["name"], file)
            keyed.append((key, case))
        ids, created = load.upsert_tests(project.pk, list(tests.values()), now)
        if created >= STATISTICS_AFTER_NEW_TESTS and not statistics_fresh:
            load.refresh_test_statistics()  # once per upload: the first big batch of new tests
            statistics_fresh = True
        load.insert_results(loader.rows(keyed, ids))
    if loader.repeated:
        _merge_repeated_tests(upload.pk, loader.repeated, loader.counts)
    return {**loader.counts, "duration": loader.duration}


class _RowLoader:
    """Turns cases into result rows and keeps the upload's counts on the way.

    Memory does not grow with the report: which tests were already seen in this upload is one bit per
    test id, and the rare test reported twice is merged after the load (``_merge_repeated_tests``).
    """

    def __init__(self, run_id: int, job_id: int, upload_id: int) -> None:
        self.ids = (run_id, job_id, upload_id)
        self.counts = dict.fromkeys(("results", "tests", *_COUNT_FIELD, "flaky"), 0)
        self.duration = 0.0
        self.seen = bytearray()
        self.repeated: set[int] = set()

    def rows(self, keyed: list[tuple[bytes, dict]], ids: dict[bytes, int]) -> Iterator[tuple]:
        run_id, job_id, upload_id = self.ids
        counts, seen = self.counts, self.seen
        duration = 0.0
        results = 0
        for key, case in keyed:
            test_id = ids[key]
            byte, bit = test_id >> 3, 1 << (test_id & 7)
            if byte >= len(seen):
                seen.extend(bytes(byte - len(seen) + 4096))
            if seen[byte] & bit:
                self.repeated.add(test_id)
            seen[byte] |= bit
            attempt = 0
            failed_before = False
            for rerun in case.get("reruns") or ():
                attempt += 1
                status = rerun["status"]
                failed_before = failed_before or status in _FAILURES
                yield _row(run_id, job_id, upload_id, test_id, attempt, False, status, rerun, None)
                duration += rerun.get("duration") or 0.0
            status = case["status"]
            output = _output(case) if status in _FAILURES else None
            yield _row(run_id, job_id, upload_id, test_id, attempt + 1, True, status, case, output)
            results += attempt + 1
            duration += case.get("duration") or 0.0
            counts[_COUNT_OF[status]] += 1
            counts["tests"] += 1
            if failed_before and status == "passed":
                counts["flaky"] += 1
        counts["results"] += results
        self.duration += duration


def _row(run_id, job_id, upload_id, test_id, attempt, final, status, source, output) -> tuple:
    get = source.get
    message, failure_type, trace = get("message"), get("type"), get("trace")
    return (
        run_id,
        job_id,
        upload_id,
        test_id,
        attempt,
        final,
        status,
        get("duration"),
        clip(message, MAX_MESSAGE_CHARS) if message else "",  # a passing case has none: skip the call
        clip(failure_type, MAX_NAME_CHARS) if failure_type else "",
        clip(trace, MAX_TRACE_CHARS) if trace else "",
        output or "",
    )


def _output(case: dict) -> str | None:
    parts = [text for text in (case.get("stdout"), case.get("stderr")) if text]
    return clip("\n".join(parts), MAX_OUTPUT_CHARS) if parts else None


def _merge_repeated_tests(upload_id: int, test_ids: set[int], counts: dict) -> None:
    """A test reported more than once in one upload is one test with several attempts: renumber its
    rows in arrival order, keep only the last final, and replace what each report of it counted by the
    single outcome it has."""
    rows = load.results_of(upload_id, sorted(test_ids))  # (id, test_id, status, final), by test then id
    updates: list[tuple[int, bool, int]] = []
    for _, group in groupby(rows, key=lambda row: row[1]):
        group = list(group)
        failed_in_case = failed_overall = False
        for index, (result_id, _, status, final) in enumerate(group):
            if final:  # the end of one report of the test: take back what it counted
                counts[_COUNT_OF[status]] -= 1
                counts["tests"] -= 1
                counts["flaky"] -= int(status == "passed" and failed_in_case)
                failed_in_case = False
            else:
                failed_in_case = failed_in_case or status in _FAILURES
            last = index == len(group) - 1
            if last:
                counts[_COUNT_OF[status]] += 1
                counts["tests"] += 1
                counts["flaky"] += int(status == "passed" and failed_overall)
            failed_overall = failed_overall or status in _FAILURES
            updates.append((index + 1, last, result_id))
    load.renumber_attempts(updates)


def _batches(cases: Iterable[dict], size: int) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for case in cases:
        batch.append(case)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _store_coverage(job: Job, upload: Upload, coverage: Coverage) -> None:
    report = CoverageReport.objects.create(
        job=job,
        upload=upload,
        format=coverage.format,
        lines_covered=coverage.lines_covered,
        lines_valid=coverage.lines_valid,
        branches_covered=coverage.branches_covered,
        branches_valid=coverage.branches_valid,
    )
    FileCoverage.objects.bulk_create(
        [
            FileCoverage(
                report=report,
                path=f.path,
                lines_covered=f.lines_covered,
                lines_valid=f.lines_valid,
                branches_covered=f.branches_covered,
                branches_valid=f.branches_valid,
            )
            for f in coverage.files
        ],
        batch_size=1000,
    )
