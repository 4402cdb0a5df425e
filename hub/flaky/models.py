"""A test's health as the hub judges it, why, and what the project does about it.

``TestHealth`` holds the per-test aggregates that detection reads (kept up to date after every ingest and
rebuilt nightly), the verdict (state, score, confidence, onset) and its evidence, so listing flaky tests
never scans results. ``StateChange`` is the audit trail of every verdict, by rule or by person.
``QuarantineEntry`` is a project's list of tests whose failures do not fail the build.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hub.projects.models import Project
from hub.runs.models import Run, Test


class TestState(models.TextChoices):
    HEALTHY = "healthy", "Healthy"
    SUSPECTED = "suspected", "Suspected flaky"
    FLAKY = "flaky", "Flaky"
    BROKEN = "broken", "Broken"
    QUARANTINED = "quarantined", "Quarantined"
    FIXED = "fixed", "Fixed"


class TestHealth(models.Model):
    """Aggregates and verdict for one test. One row per test that has ever failed or been judged."""

    __test__ = False

    test = models.OneToOneField(Test, on_delete=models.CASCADE, primary_key=True, related_name="health")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="test_health")
    state = models.CharField(max_length=16, choices=TestState.choices, default=TestState.HEALTHY)
    state_since = models.DateTimeField(default=timezone.now)

    # Signals over the window (final outcomes on the default branch, infrastructure failures left out).
    runs = models.PositiveIntegerField(default=0, help_text="Outcomes counted in the window.")
    failures = models.PositiveIntegerField(default=0)
    weighted_runs = models.FloatField(default=0, help_text="Outcomes weighted towards recent runs.")
    weighted_failures = models.FloatField(default=0)
    flips = models.PositiveIntegerField(default=0, help_text="Pass-to-fail or fail-to-pass changes.")
    retry_flakes = models.PositiveIntegerField(default=0, help_text="Jobs where it failed, then passed.")
    same_commit_flakes = models.PositiveIntegerField(
        default=0, help_text="Commits where it passed and failed."
    )
    infra_failures = models.PositiveIntegerField(
        default=0, help_text="Failures discounted as infrastructure."
    )
    failure_streak = models.PositiveIntegerField(default=0, help_text="Failures in a row, latest first.")
    clean_streak = models.PositiveIntegerField(default=0, help_text="Passes in a row since the last failure.")
    recent = models.CharField(
        max_length=200, blank=True, help_text="Latest outcomes on the default branch, oldest first: p, f."
    )

    # The verdict.
    score = models.FloatField(default=0, help_text="Estimated probability that a run flakes.")
    confidence_low = models.FloatField(default=0)
    confidence_high = models.FloatField(default=0)
    evidence = models.JSONField(default=list, blank=True)
    onset_sha = models.CharField(max_length=64, blank=True)
    onset_run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    clean_runs_needed = models.PositiveIntegerField(
        default=0, help_text="Clean runs that would show a fix, from the failure rate it had."
    )

    # Impact, for sorting.
    runs_affected = models.PositiveIntegerField(default=0)
    pull_requests_affected = models.PositiveIntegerField(default=0)
    time_lost = models.FloatField(default=0, help_text="CI seconds spent on failed attempts and re-runs.")

    first_failure_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    last_result_at = models.DateTimeField(null=True, blank=True)

    # Bookkeeping for detection: what the last verdict saw, and which evidence is spent.
    evidence_after = models.PositiveBigIntegerField(
        default=0,
        help_text="Results up to this id are spent: the test was cleared (healthy or fixed) after them, so "
        "only newer failures can make it suspected, flaky or broken again.",
    )
    judged_through = models.PositiveBigIntegerField(default=0, help_text="Newest result the verdict saw.")
    judged_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "test health"
        verbose_name_plural = "test health"
        indexes = [
            models.Index(fields=["project", "state"], name="health_project_state"),
            models.Index(fields=["project", "-runs_affected"], name="health_project_impact"),
        ]

    def __str__(self) -> str:
        return f"{self.test} ({self.state})"


class StateChange(models.Model):
    """One change of a test's state: when, from what to what, why, and by which rule or person."""

    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="state_changes")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    from_state = models.CharField(max_length=16, choices=TestState.choices)
    to_state = models.CharField(max_length=16, choices=TestState.choices)
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    rule = models.CharField(max_length=100, blank=True, help_text="The rule that decided, if not a person.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["test", "-at"], name="statechange_test_recent")]

    def __str__(self) -> str:
        return f"{self.test}: {self.from_state} → {self.to_state}"

    @property
    def actor(self) -> str:
        return f"user:{self.user}" if self.user_id else f"rule:{self.rule}"


class QuarantineQuerySet(models.QuerySet):
    def active(self, now=None) -> QuarantineQuerySet:
        now = now or timezone.now()
        return self.filter(removed_at__isnull=True).filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))


class QuarantineEntry(models.Model):
    """A test whose failures do not fail the build while it keeps running and being recorded."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="quarantine")
    test = models.ForeignKey(Test, on_delete=models.CASCADE, related_name="quarantine_entries")
    reason = models.TextField()
    owner = models.CharField(max_length=200, blank=True, help_text="Who is fixing it: a person or team.")
    automatic = models.BooleanField(default=False, help_text="Added by the hub (the project allows it).")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    removed_reason = models.TextField(blank=True)

    objects = QuarantineQuerySet.as_manager()

    class Meta:
        verbose_name = "quarantine entry"
        verbose_name_plural = "quarantine"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "test"],
                condition=Q(removed_at__isnull=True),
                name="quarantine_one_open_entry",
            )
        ]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.test} quarantined"
