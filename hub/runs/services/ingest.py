"""Ingest a report in three named steps: validate, transform, load.

*Validate* (``validation.py``, ``header.py``) checks the header against the published schema before
anything is written, and each case as it streams. *Transform* (``transform.py``) turns cases into result
rows: every attempt a row, numbered per test. *Load* (this module, writing through ``load.py``) runs in one
transaction keyed for idempotency: the run and job (created or moved forward), the upload record, tests
and results in batches, counts, coverage. A retried upload (same idempotency key, or
the same content for the same job) finds its upload record and answers as the first did; a key sent
again with other content is refused (422), as the IETF idempotency-key draft says. A report replaces the
stand-in results the hub read from the run's artifacts (``stand_ins.py``). Any error rolls
everything back, so a refused report leaves no rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from agent.model import Coverage
from hub.outbox.services.announce import announce
from hub.outbox.services.live import changed
from hub.projects.models import Project
from hub.runs.models import CoverageReport, FileCoverage, Job, Run, RunStatus, Upload
from hub.runs.services import load, segments, stand_ins, state, statistics, test_ids
from hub.runs.services.cases import Case
from hub.runs.services.errors import IdempotencyKeyReused
from hub.runs.services.header import Header
from hub.runs.services.identity import test_key
from hub.runs.services.readahead import ReadAhead
from hub.runs.services.transform import RowLoader, merge_repeated_tests

log = logging.getLogger(__name__)

UPLOAD_STORED = "upload.stored"  # announced with the upload's id; the apps above subscribe to it
RUN_COMPLETED = "run.completed"  # announced with the run's id, once, when it first becomes completed


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


def find_replay(
    project: Project,
    idempotency_key: str | None,
    content_sha256: str,
    may_read: Callable[[Upload], None] | None = None,
) -> Receipt | None:
    """The answer to an earlier upload with this key; the key with other content is refused (422).

    ``may_read`` raises when the caller may not see that upload at all (a CI token bound to another run)."""
    if not idempotency_key:
        return None
    upload = Upload.objects.filter(project=project, idempotency_key=idempotency_key).first()
    if upload is None:
        return None
    if may_read is not None:
        may_read(upload)
    if upload.content_sha256 != content_sha256:
        raise IdempotencyKeyReused(
            f"Idempotency-Key {idempotency_key!r} was already used for other content (upload {upload.pk}); "
            "send new content with a new key."
        )
    return Receipt(upload, replayed=True)


def ensure_run_and_job(project: Project, header: Header) -> tuple[Run, Job]:
    """The run and job a report or artifact belongs to, created or moved forward (inside a transaction)."""
    load.lock_project(project.pk)
    run = upsert_run(project, header.run)
    return run, upsert_job(run, header.job)


def ingest(
    project: Project,
    header: Header,
    batches: Iterable[list[Case]],
    *,
    content_sha256: str,
    idempotency_key: str | None = None,
    source: str = "json",
) -> Receipt:
    """Load one report in one transaction, or find the upload that already loaded it.

    The key is looked up under the project's lock before the run and job are touched, so concurrent
    requests with one key create nothing but the first one's rows."""
    with transaction.atomic():
        load.lock_project(project.pk)
        replay = find_replay(project, idempotency_key, content_sha256)
        if replay is not None:
            return replay
        run, job = ensure_run_and_job(project, header)
        found = Upload.objects.filter(job=job, content_sha256=content_sha256).first()
        if found is not None:
            return Receipt(found, replayed=True)
        if source != stand_ins.STAND_IN:
            stand_ins.withdraw_stand_ins(run)  # the run's own report replaces what the hub read for it
        upload = Upload.objects.create(
            project=project,
            run=run,
            job=job,
            idempotency_key=idempotency_key,
            content_sha256=content_sha256,
            source=source,
            files=header.files,
        )
        counts = _load_cases(project, run, job, upload, batches)
        upload.results = counts.pop("results")
        upload.save(update_fields=["results"])
        increments = {name: F(name) + value for name, value in counts.items() if value}
        if increments:
            Job.objects.filter(pk=job.pk).update(**increments)
            Run.objects.filter(pk=run.pk).update(**increments)
        if header.coverage is not None:
            _store_coverage(job, upload, header.coverage)
        announce(UPLOAD_STORED, upload.pk)  # the work it owes commits with it, or not at all
        changed(UPLOAD_STORED, project.pk, run_id=run.pk)  # and so do the open pages' news
        upload_id = upload.pk
        transaction.on_commit(lambda: statistics.refresh_run_statistics(upload_id))
    return Receipt(upload, replayed=False)


def upsert_run(project: Project, fields: dict[str, Any], *, from_provider: bool = False) -> Run:
    """The run with ``fields["provider_run_id"]`` and ``fields["attempt"]``, created or moved forward.

    Reports and webhooks both come through here (inside a transaction, after ``load.lock_project``), so
    the two meet in one run. Other keys are optional: a missing status means in progress. The provider's
    own word (a webhook, reconciliation) says ``from_provider``; runs without it complete when idle
    (``completion.py``). The first time the run is completed (a webhook, reconciliation, a report with its
    conclusion, the idle sweep), ``run.completed`` is announced in the caller's transaction, for the apps
    above to respond to.
    """
    key = {"project": project, "provider_run_id": fields["provider_run_id"], "attempt": fields["attempt"]}
    status = fields.get("status") or RunStatus.IN_PROGRESS
    # A run is dated by when it started in CI when the report says so, else by its arrival. It is created
    # queued and moved forward below like a known run, so completing it at once is announced too.
    created = fields.get("started_at") or timezone.now()
    Run.objects.bulk_create(
        [Run(**key, provider=fields["provider"], status=RunStatus.QUEUED, created_at=created)],
        ignore_conflicts=True,
    )
    run = Run.objects.select_for_update().get(**key)
    before = run.status
    if from_provider and not run.from_provider:
        run.from_provider = True
        run.save(update_fields=["from_provider", "updated_at"])
    proposed = {**fields, "status": status}
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
    if before != RunStatus.COMPLETED and run.status == RunStatus.COMPLETED:
        announce(RUN_COMPLETED, run.pk)
    return run


def find_job(run: Run, fields: dict[str, Any], *, lock: bool = False) -> Job | None:
    """The job of ``run`` these fields describe, if it exists: the one with their ``provider_job_id``
    whatever its name, else the one with their name.

    The id comes first because the two sides may name one job differently: a GitHub webhook by its display
    name (``test (ubuntu, 3.12)``), the agent by ``GITHUB_JOB`` or a ``--job-name``.
    """
    jobs = Job.objects.select_for_update() if lock else Job.objects.all()
    provider_job_id = fields.get("provider_job_id")
    if provider_job_id:
        job = jobs.filter(run=run, provider_job_id=provider_job_id).order_by("id").first()
        if job is not None:
            return job
    return jobs.filter(run=run, name=fields["name"]).first()


def upsert_job(run: Run, fields: dict[str, Any]) -> Job:
    """The job of ``run`` with ``fields["provider_job_id"]``, else named ``fields["name"]``, created or moved
    forward (as ``upsert_run``). A job met by its id keeps the name it was first given, so a webhook and a
    report that name one job differently meet in one job, whichever comes first.

    Without an id (most reports) it is the one insert-or-get by name it always was. Callers hold the
    project lock (``load.lock_project``), so looking up by id before creating cannot race.
    """
    status = fields.get("status") or RunStatus.IN_PROGRESS
    job = find_job(run, fields, lock=True) if fields.get("provider_job_id") else None
    if job is None:
        Job.objects.bulk_create([Job(run=run, name=fields["name"], status=status)], ignore_conflicts=True)
        job = Job.objects.select_for_update().get(run=run, name=fields["name"])
    proposed = {**fields, "status": status}
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


STATISTICS_AFTER_NEW_TESTS = 2000


def _load_cases(project: Project, run: Run, job: Job, upload: Upload, batches: Iterable[list[Case]]) -> dict:
    """Transform and load batches of cases; return the counts of final outcomes for this upload.

    A thread of its own reads the batches one ahead (``readahead``): it decodes them, hashes their test
    identities, looks them up among committed tests (from the second batch on: a large report) and, when
    every test of a batch is known, builds its rows. This thread creates the tests that are new and
    writes the rows. The database's work runs without the GIL, so reading and writing overlap.
    """
    now = timezone.now()
    loader = RowLoader(run.pk, job.pk, upload.pk, segments.open_segment(project.pk))
    new_tests = 0  # counted over the upload: a 2,000-case report may come as batches of 1,999 and 1
    statistics_fresh = False
    # Rows are built by the reading thread on PostgreSQL, whose server writes them in another process.
    # On SQLite the writing thread returns to Python after each statement, and would wait for the GIL
    # while the reader built rows: it builds them itself between statements.
    build_rows = connection.vendor == "postgresql"
    prepared = _prepared(batches, project.pk, test_ids.CommittedTests.opener(), loader, build_rows)
    with (
        ReadAhead(prepared, depth=1, name=f"read-upload-{upload.pk}") as ready,
        load.ResultWriter() as results,
    ):
        for cases, keys, known, rows in ready:
            if rows is None:
                results.pause()  # the connection is needed to look up or create tests
                describe = partial(_test_row, cases, keys)
                ids, created = test_ids.upsert_tests(project.pk, keys, describe, now, known)
                new_tests += created
                if new_tests >= STATISTICS_AFTER_NEW_TESTS and not statistics_fresh:
                    statistics.refresh_test_statistics()  # once per upload, when it has created many tests
                    statistics_fresh = True
                rows = loader.rows(cases, [ids[key] for key in keys])
            results.write(rows)
    if loader.repeated:
        merge_repeated_tests(upload.pk, job.pk, loader.repeated, loader.counts)
    segments.record_loaded(project.pk, loader.counts["results"])
    return loader.counts


Prepared = tuple[list[Case], list[bytes], dict[bytes, int], list[tuple] | None]


def _prepared(
    batches: Iterable[list[Case]],
    project_id: int,
    committed: test_ids.CommittedTests | None,
    loader: RowLoader,
    build_rows: bool,
) -> Iterator[Prepared]:
    """Each batch with its test keys, the ids of those already committed (none for the first batch: a
    small report is not worth a second connection) and, if that is all of them, its rows."""
    try:
        for number, cases in enumerate(batches):
            keys = [test_key((c.classname or c.suite or "", c.name, c.file or "")) for c in cases]
            known = committed.ids(project_id, keys) if committed is not None and number > 0 else {}
            rows = None
            if build_rows and known and known.keys() >= set(keys):
                rows = loader.rows(cases, [known[key] for key in keys])
            yield cases, keys, known, rows
    finally:
        if committed is not None:
            committed.close()


def _test_row(cases: list[Case], keys: list[bytes], index: int) -> test_ids.TestRow:
    case = cases[index]
    return (keys[index], case.suite or "", case.classname or "", case.name, case.file or "")


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
