"""What went wrong: each failure's category and cluster, and how a pull request's failures compare with
its base branch.

A ``FailureCluster`` is one normalised error message (numbers, ids, paths, times masked) per project,
hashed, with counts and the tests it touches (``ClusterTest``). A ``Failure`` is one failed final result,
categorised by the rule that matched and, on a pull request, classified against the base branch. A
``JobFailure`` is the same for a failed job as a whole, from its tests or, when it has none, its log.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from hub.projects.models import Project
from hub.runs.models import Job, Run, Test, TestResult


class Category(models.TextChoices):
    IMPORT = "import", "Import or missing module"
    SYNTAX = "syntax", "Syntax error"
    LINT = "lint", "Lint or format"
    TYPE_CHECK = "type_check", "Type check"
    ASSERTION = "assertion", "Assertion"
    TIMEOUT = "timeout", "Timeout"
    OUT_OF_MEMORY = "out_of_memory", "Out of memory"
    NETWORK = "network", "Network or DNS"
    DEPENDENCY = "dependency", "Dependency resolution"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    UNKNOWN = "unknown", "Unknown"


class Classification(models.TextChoices):
    """A pull request's failure, compared with the base branch."""

    NEW = "new", "New failure"
    FLAKY = "flaky", "Known flaky test"
    ALREADY_FAILING = "already_failing", "Already failing on the base branch"
    NO_BASELINE = "no_baseline", "No base-branch history"


class FailureCluster(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="failure_clusters")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the normalised message.")
    normalised = models.TextField(help_text="The message with volatile parts masked (bounded).")
    example = models.TextField(blank=True, help_text="One original message (bounded).")
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.UNKNOWN)
    rule = models.CharField(max_length=200, blank=True)
    occurrences = models.PositiveIntegerField(default=0)
    tests = models.PositiveIntegerField(default=0, help_text="Distinct tests it touched.")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "fingerprint"], name="cluster_unique_fingerprint")
        ]
        indexes = [
            models.Index(fields=["project", "-last_seen"], name="cluster_project_recent"),
            models.Index(fields=["project", "-occurrences"], name="cluster_project_frequent"),
        ]
        ordering = ["-last_seen", "-id"]

    def __str__(self) -> str:
        return self.normalised[:80]


class ClusterTest(models.Model):
    # Found by cluster through clustertest_unique and clustertest_cluster_recent: no index of its own.
    cluster = models.ForeignKey(
        FailureCluster, on_delete=models.CASCADE, related_name="members", db_index=False
    )
    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="clusters")
    occurrences = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cluster", "test"], name="clustertest_unique")]
        # A cluster's page lists the tests it touched most recently first: 50 off this index, not a sort
        # of every member (10,000 for a cluster as wide as a broken build).
        indexes = [models.Index(fields=["cluster", "-last_seen", "-id"], name="clustertest_cluster_recent")]

    def __str__(self) -> str:
        return f"{self.test} in cluster {self.cluster_id}"


class Failure(models.Model):
    """One failed final result, analysed."""

    result = models.OneToOneField(
        TestResult, on_delete=models.CASCADE, related_name="analysis", db_constraint=False
    )
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="failures")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="failures")
    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="failures")
    cluster = models.ForeignKey(  # found by cluster through failure_cluster_day: no index of its own
        FailureCluster,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="failures",
        db_index=False,
    )
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.UNKNOWN)
    rule = models.CharField(max_length=200, blank=True, help_text="The rule that matched.")
    classification = models.CharField(max_length=32, choices=Classification.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["run", "category"], name="failure_run_category"),
            # A run's largest clusters are counted off this index alone (no row read per failure), and a
            # cluster's failures per day (its sparkline) off the next.
            models.Index(fields=["run", "cluster"], name="failure_run_cluster"),
            models.Index(fields=["cluster", "created_at"], name="failure_cluster_day"),
        ]

    def __str__(self) -> str:
        return f"{self.test}: {self.category}"


class JobFailure(models.Model):
    """A failed job's category: from its failed tests, or from its log when it produced no report."""

    class Source(models.TextChoices):
        TESTS = "tests", "Test results"
        LOG = "log", "Job log"

    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="failure")
    category = models.CharField(max_length=32, choices=Category.choices, default=Category.UNKNOWN)
    rule = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices, default=Source.TESTS)
    excerpt = models.TextField(blank=True, help_text="The lines that matched (bounded).")
    cluster = models.ForeignKey(
        FailureCluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="job_failures"
    )
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.job}: {self.category}"
