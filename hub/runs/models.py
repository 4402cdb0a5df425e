"""Runs, jobs, tests and every result, as the hub stores them.

A ``Run`` is one attempt of one CI run (a GitHub re-run is a new attempt, kept as evidence, not a
duplicate); its jobs report separately and meet in it. A ``Test`` is a test's identity, stable across
runs; a ``TestResult`` is one execution, so retries inside a job are separate rows numbered by ``attempt``.
Counts on runs and jobs are kept at ingest so lists never count result rows.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from agent.model import rate
from hub.projects.models import Project, Provider


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


STATUS_ORDER = {RunStatus.QUEUED: 0, RunStatus.IN_PROGRESS: 1, RunStatus.COMPLETED: 2}


class Conclusion(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    CANCELLED = "cancelled", "Cancelled"
    SKIPPED = "skipped", "Skipped"
    TIMED_OUT = "timed_out", "Timed out"
    NEUTRAL = "neutral", "Neutral"


class ResultStatus(models.TextChoices):
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"
    ERROR = "error", "Error"
    SKIPPED = "skipped", "Skipped"


class Counts(models.Model):
    """Result counts kept at ingest; final outcomes only (a passing retry counts once, as passed)."""

    tests = models.PositiveIntegerField(default=0)
    passed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    flaky = models.PositiveIntegerField(default=0, help_text="Failed, then passed on a retry in the job.")
    duration = models.FloatField(default=0, help_text="Sum of test durations, seconds.")

    class Meta:
        abstract = True


class Run(Counts):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="runs")
    provider = models.CharField(max_length=32, choices=Provider.choices)
    provider_run_id = models.CharField(max_length=200)
    attempt = models.PositiveIntegerField(default=1)
    run_number = models.CharField(max_length=100, blank=True)
    workflow = models.CharField(max_length=1000, blank=True)
    event = models.CharField(max_length=100, blank=True)
    branch = models.CharField(max_length=500, blank=True)
    base_branch = models.CharField(max_length=500, blank=True)
    commit_sha = models.CharField(max_length=64, blank=True)
    pull_request = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    conclusion = models.CharField(max_length=16, choices=Conclusion.choices, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    from_provider = models.BooleanField(
        default=False,
        help_text="A webhook or the provider's API described this run. Runs only the agent reported "
        "complete once their jobs finished and nothing arrived for RUN_IDLE_COMPLETE_SECONDS.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "provider_run_id", "attempt"], name="run_unique_attempt"
            )
        ]
        indexes = [
            models.Index(fields=["project", "-created_at"], name="run_project_recent"),
            models.Index(fields=["project", "branch", "-created_at"], name="run_project_branch"),
            models.Index(fields=["project", "commit_sha"], name="run_project_sha"),
            models.Index(fields=["project", "pull_request"], name="run_project_pr"),
            models.Index(fields=["-created_at"], name="run_recent"),
            # Reconciliation looks for runs left unfinished; few are, so only they are indexed.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(status__in=[RunStatus.QUEUED, RunStatus.IN_PROGRESS]),
                name="run_unfinished",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        suffix = f" attempt {self.attempt}" if self.attempt > 1 else ""
        return f"{self.project} run {self.provider_run_id}{suffix}"


class Job(Counts):
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="jobs")
    name = models.CharField(max_length=1000)
    provider_job_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.IN_PROGRESS)
    conclusion = models.CharField(max_length=16, choices=Conclusion.choices, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "name"], name="job_unique_name")]
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Test(models.Model):
    """A test's identity across runs: suite or class, name and file, hashed into ``key`` per project."""

    __test__ = False

    # No single-column index: the unique (project, key) index serves lookups by project.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="tests", db_index=False)
    # 16 raw bytes, not hex text: compared with memcmp rather than a locale's collation, and half the index.
    key = models.BinaryField(
        max_length=16, editable=False, help_text="Digest of the identity (services/identity.py)."
    )
    suite = models.CharField(max_length=1000, blank=True)
    classname = models.CharField(max_length=1000, blank=True)
    name = models.CharField(max_length=1000)
    file = models.CharField(max_length=4096, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="test_unique_key")]
        indexes = [models.Index(fields=["project", "name"], name="test_project_name")]

    def __str__(self) -> str:
        return f"{self.classname}.{self.name}" if self.classname else self.name

    @property
    def key_hex(self) -> str:
        return bytes(self.key).hex()


class Upload(models.Model):
    """One accepted report: the idempotency record, and what the hub answered the first time."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="uploads")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="uploads")
    # NULL, not "": uploads without a key must not collide in the unique constraint below.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001
    content_sha256 = models.CharField(max_length=64)
    source = models.CharField(max_length=16, default="json", help_text="json or multipart")
    files = models.JSONField(default=list, blank=True, help_text="Report files, formats and parse errors.")
    results = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "idempotency_key"], name="upload_unique_key"),
            models.UniqueConstraint(fields=["job", "content_sha256"], name="upload_unique_content"),
        ]

    def __str__(self) -> str:
        return f"upload {self.pk} to {self.job}"


class TestResult(models.Model):
    """One execution of a test in a job. Written in bulk by services/load.py, never one by one."""

    __test__ = False

    # The hot table: every index and constraint is paid per row at ingest. Measured with 100k-row inserts,
    # a secondary index whose key is constant within an upload (run, job or upload) costs ~0.7 us a row on
    # SQLite and ~1.6 us on PostgreSQL, and PostgreSQL's deferred check of a foreign key ~4 us a row at
    # commit (302k rows/s bare, 131k/s with the one on test). So the database enforces no reference here:
    # the load writes run, job and upload in the transaction that creates or finds them, holding the job
    # row locked (FOR UPDATE) until it commits, and upserts the tests in that transaction under the
    # project's lock; tests go only with their project. One index on (job, id) serves a job's, an
    # upload's (its job is known) and a run's results (through its jobs, each in id order: SQLite's
    # (job) would hold the id anyway, PostgreSQL needs it to page a job without a sort); (segment, test,
    # id) serves a test's, newest first, and keeps what each upload writes into it bounded
    # (services/segments.py).
    # Not (job, status): a status in the key spreads each upload over four places in the index, which
    # measured two to three times the cost of appending to one; status is a filter within a job.
    # Run, upload and test are DO_NOTHING: their results go with their jobs (Job cascades from Run,
    # results from Job; tests go only with their project, whose runs go with it), and a cascade by run,
    # upload or test would be a full scan of this table (no index leads with any of them).
    run = models.ForeignKey(
        Run, on_delete=models.DO_NOTHING, related_name="results", db_index=False, db_constraint=False
    )
    job = models.ForeignKey(
        Job, on_delete=models.CASCADE, related_name="results", db_index=False, db_constraint=False
    )
    upload = models.ForeignKey(
        Upload, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False
    )
    test = models.ForeignKey(
        Test, on_delete=models.DO_NOTHING, related_name="results", db_index=False, db_constraint=False
    )
    segment = models.PositiveIntegerField(
        default=0, help_text="The project's segment the load wrote into (services/segments.py)."
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    final = models.BooleanField(default=True, help_text="The last attempt of this test in this upload.")
    status = models.CharField(max_length=8, choices=ResultStatus.choices)
    duration = models.FloatField(null=True, blank=True)
    message = models.TextField(blank=True)
    failure_type = models.CharField(max_length=1000, blank=True)
    trace = models.TextField(blank=True, help_text="A bounded excerpt.")
    output = models.TextField(blank=True, help_text="Bounded stdout and stderr of a failed test.")

    class Meta:
        indexes = [
            models.Index(fields=["job", "id"], name="result_job_id"),
            models.Index(fields=["segment", "test", "id"], name="result_segment_test"),
            # Only failing rows pay for it: finds the few tests that ever failed without reading results.
            models.Index(
                fields=["test"],
                condition=models.Q(status__in=["failed", "error"]),
                name="result_test_failing",
            ),
            # A run's failing tests, a page at a time in (job, id) order (its page, its failure context):
            # only the failing rows, so a 10,000-test job with one failure reads one entry, not 10,000.
            models.Index(
                fields=["job", "id"],
                condition=models.Q(final=True, status__in=["failed", "error"]),
                name="result_job_failing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.test} {self.status}"


class CoverageReport(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="coverage_reports")
    upload = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="coverage")
    format = models.CharField(max_length=16)
    lines_covered = models.PositiveIntegerField()
    lines_valid = models.PositiveIntegerField()
    branches_covered = models.PositiveIntegerField(default=0)
    branches_valid = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        rate = self.line_rate
        return f"{self.format} {rate:.1%}" if rate is not None else self.format

    @property
    def line_rate(self) -> float | None:
        return rate(self.lines_covered, self.lines_valid)

    @property
    def branch_rate(self) -> float | None:
        return rate(self.branches_covered, self.branches_valid)


class FileCoverage(models.Model):
    report = models.ForeignKey(CoverageReport, on_delete=models.CASCADE, related_name="files")
    path = models.CharField(max_length=4096)
    lines_covered = models.PositiveIntegerField()
    lines_valid = models.PositiveIntegerField()
    branches_covered = models.PositiveIntegerField(default=0)
    branches_valid = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.path


def artifact_path(instance: Artifact, filename: str) -> str:
    return f"artifacts/{instance.project_id}/{instance.sha256[:2]}/{instance.sha256}"


class Artifact(models.Model):
    """A file kept for a run, stored through Django's storage API, content-addressed by SHA-256."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="artifacts")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="artifacts")
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="artifacts")
    name = models.CharField(max_length=1000)
    file = models.FileField(upload_to=artifact_path, max_length=500)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "name", "sha256"], name="artifact_unique_content")
        ]

    def __str__(self) -> str:
        return self.name
