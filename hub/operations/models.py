"""What the hub did at a CI provider, and the failed jobs' logs it fetched from one.

An ``Action`` is the audit row of one operator request (trigger, re-run, cancel) made through admin or
the API: who, what, when, and the provider's answer, kept whether it worked or not. The project and run
are kept as text too, so the record outlives the run's pruning.

A ``JobLog`` is the tail of a failed job's log, gzip-compressed in the row, fetched once. It lives in the
database rather than in Django's file storage because it is small and bounded (``JOB_LOG_MAX_BYTES``
before compression), it must go when its job is pruned (a cascade does that; files would be orphaned),
its fetch state and its content are written in one transaction, and every worker host sees it without a
shared media volume. Webhook deliveries keep their bodies the same way.
"""

from __future__ import annotations

import gzip

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from hub.projects.models import Project
from hub.runs.models import Job, Run


class ActionKind(models.TextChoices):
    TRIGGER = "trigger", "Trigger a workflow"
    RERUN = "rerun", "Re-run a run"
    RERUN_FAILED = "rerun_failed", "Re-run failed jobs"
    RERUN_JOB = "rerun_job", "Re-run one job"
    CANCEL = "cancel", "Cancel a run"
    RESPOND = "respond", "Respond to a run under the policy now"


class ActionVia(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    RESPONSE = "response", "A responder (hub.response)"
    DASHBOARD = "web", "Dashboard"


class ActionOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Action(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="actions")
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions")
    kind = models.CharField(max_length=16, choices=ActionKind.choices)
    via = models.CharField(max_length=8, choices=ActionVia.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor = models.CharField(max_length=150, help_text="The user's name when they acted.")
    target = models.CharField(
        max_length=1000, blank=True, help_text="The provider's run id, or the workflow triggered."
    )
    parameters = models.JSONField(default=dict, blank=True, help_text="Ref, inputs, job, as requested.")
    outcome = models.CharField(max_length=16, choices=ActionOutcome.choices)
    message = models.TextField(blank=True, help_text="The provider's answer, or what went wrong.")
    hint = models.TextField(blank=True, help_text="What to do next, when it failed.")
    error_type = models.CharField(
        max_length=64, blank=True, help_text="The kind of error (AuthenticationError, NotFoundError...)."
    )
    provider_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The HTTP status of the provider's error answer."
    )
    result_run_id = models.CharField(max_length=200, blank=True, help_text="The run it started, if known.")
    result_url = models.URLField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["project", "-created_at"], name="action_project_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.target} by {self.actor}: {self.outcome}"


class LogState(models.TextChoices):
    FETCHING = "fetching", "Being fetched"
    STORED = "stored", "Stored"
    FAILED = "failed", "Failed (will be retried)"
    UNAVAILABLE = "unavailable", "Unavailable"


class JobLog(models.Model):
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="log")
    state = models.CharField(max_length=16, choices=LogState.choices, default=LogState.FETCHING)
    content = models.BinaryField(default=b"", editable=False, help_text="The log's tail, gzip-compressed.")
    size = models.PositiveIntegerField(default=0, help_text="Bytes kept, before compression.")
    truncated = models.BooleanField(default=False, help_text="The log was longer; its tail is kept.")
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why it is not stored (no body, no secret).")
    claimed_at = models.DateTimeField(default=timezone.now)
    fetched_at = models.DateTimeField(null=True, blank=True)
    spans = models.JSONField(
        default=list,
        blank=True,
        help_text="The lines that explain the failure, [first, last] 1-based in the stored log.",
    )
    baseline = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The passing log of the same job its lines were compared with.",
    )

    def __str__(self) -> str:
        return f"log of {self.job} ({self.state})"

    @staticmethod
    def compress(text: bytes) -> bytes:
        return gzip.compress(text, compresslevel=6, mtime=0)

    def text(self) -> str:
        """The stored tail as text ("" when nothing is stored)."""
        raw = bytes(self.content)
        return gzip.decompress(raw).decode("utf-8", errors="replace") if raw else ""


class RunCheck(models.Model):
    """When the reconciler last asked the provider about a run, so each pass asks about the runs
    checked longest ago first and a run that stays in progress does not starve the others."""

    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="reconciliation")
    checked_at = models.DateTimeField(default=timezone.now, db_index=True)
    checks = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="The provider's last error about this run, if any.")

    def __str__(self) -> str:
        return f"{self.run} checked {self.checks} time(s)"


def validate_lookback(value: str) -> None:
    from agent.lookback import parse_lookback

    try:
        parse_lookback(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class Monitor(models.Model):
    """A project's poll of its CI for failed runs nobody reported (no webhook, no agent): every
    ``interval_minutes`` the sweep lists the runs of the last ``lookback``, filtered, and feeds at most
    ``max_failures`` failed ones the hub has not seen into the webhooks' path (``services/monitor.py``)."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="monitor")
    enabled = models.BooleanField(default=True)
    lookback = models.CharField(
        max_length=16,
        default="2h",
        validators=[validate_lookback],
        help_text="How far back each poll looks: a number and a unit (s, m, h, d, w), e.g. 2h.",
    )
    workflow_filter = models.CharField(
        max_length=200, blank=True, help_text="Only runs of this workflow (GitHub: file name, id or name)."
    )
    branch_filter = models.CharField(max_length=200, blank=True, help_text="Only runs on this branch.")
    max_failures = models.PositiveSmallIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Failed runs fed per poll at most; the rest wait for the next poll.",
    )
    interval_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1)], help_text="Minutes between two polls."
    )
    polled_at = models.DateTimeField(null=True, blank=True, db_index=True, editable=False)
    last_fed = models.PositiveIntegerField(default=0, editable=False, help_text="Runs fed by the last poll.")
    last_error = models.TextField(
        blank=True,
        editable=False,
        help_text="Why the last poll stopped early (a rate limit, a token refused).",
    )

    def __str__(self) -> str:
        return f"monitor of {self.project}"
