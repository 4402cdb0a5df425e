"""Rows as ingest leaves them, built directly so each test states exactly the data it reads.

Counts on runs and jobs are given, not computed: the API must show what ingest stored.
"""

from __future__ import annotations

import hashlib
import itertools
from datetime import UTC, datetime, timedelta

from hub.projects.models import Project
from hub.runs.models import Job, Run, RunStatus, Test, TestResult, Upload
from hub.runs.services.identity import test_key

_ids = itertools.count(1000)


def make_run(project: Project, *, minutes: int = 0, **fields) -> Run:
    """A completed run created ``minutes`` after a fixed instant (later runs are newer)."""
    defaults = {
        "provider": project.provider,
        "provider_run_id": str(next(_ids)),
        "branch": "main",
        "commit_sha": hashlib.sha256(str(next(_ids)).encode()).hexdigest()[:40],
        "event": "push",
        "status": RunStatus.COMPLETED,
        "conclusion": "success",
        "created_at": _at(minutes),
    }
    return Run.objects.create(project=project, **{**defaults, **fields})


def make_job(run: Run, name: str = "test", **fields) -> Job:
    return Job.objects.create(run=run, name=name, **fields)


def make_test(project: Project, name: str, classname: str = "tests.test_widgets", **fields) -> Test:
    key = test_key((classname, name, fields.get("file", "")))
    return Test.objects.create(project=project, key=key, classname=classname, name=name, **fields)


def make_result(job: Job, test: Test, status: str = "passed", **fields) -> TestResult:
    upload = job.uploads.first() or Upload.objects.create(
        project_id=job.run.project_id, run=job.run, job=job, content_sha256=f"{job.pk:064x}"
    )
    defaults = {"attempt": 1, "final": True, "duration": 0.5}
    return TestResult.objects.create(
        run=job.run, job=job, upload=upload, test=test, status=status, **{**defaults, **fields}
    )


def _at(minutes: int) -> datetime:
    return datetime(2026, 1, 1, 12, 0, tzinfo=UTC) + timedelta(minutes=minutes)
