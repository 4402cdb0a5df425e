"""Fix jobs, the unit of response: one row per thing the hub decided to do about a red run.

A ``FixJob`` says what it answers (a run, and where known a job, a test, a failure cluster), which
responder acts, and where it stands in a named state machine (``machine.py`` holds the table of allowed
moves; ``services/fix_jobs.py`` the one function that moves it). Every move leaves a ``FixJobEvent`` with
its reason, so the timeline reads as a story. Every outside effect (a re-run requested, later an issue or
a comment) is an ``Effect`` keyed uniquely and recorded *before* the call: a worker that dies between the
call and the record leaves an ``intended`` effect that the next attempt checks with the provider instead
of calling again. A project's ``Policy`` is one validated document (``policy/schema.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from hub.failures.models import FailureCluster
from hub.projects.models import Project
from hub.runs.models import Job, Run, Test


class Responder(models.TextChoices):
    """Who acts; each has one module in ``hub/response/responders/`` with the same functions."""

    RERUN = "rerun", "Re-run the failed jobs"
    NOTIFY = "notify", "Notify (Slack, email, pull-request comment)"
    ISSUES = "issues", "File an issue per flaky or broken test"
    FIXER = "fixer", "Dispatch the repository's fix workflow"
    CODING_AGENT = "coding_agent", "Hand the failure (or an operator's task) to a coding agent"


class FixState(models.TextChoices):
    PENDING = "pending", "Pending"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting a maintainer's approval"
    DISPATCHED = "dispatched", "Dispatched to a worker"
    RUNNING = "running", "Running"
    AWAITING_VERIFICATION = "awaiting_verification", "Awaiting verification"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
    DEAD = "dead", "Dead (attempts exhausted)"


class FixJob(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="fix_jobs")
    run = models.ForeignKey(Run, on_delete=models.SET_NULL, null=True, blank=True, related_name="fix_jobs")
    job = models.ForeignKey(Job, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    test = models.ForeignKey(Test, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    cluster = models.ForeignKey(
        FailureCluster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    responder = models.CharField(max_length=32, choices=Responder.choices)
    key = models.CharField(
        max_length=300, help_text="What it answers, once per project (e.g. rerun:<run id>:<attempt>)."
    )
    state = models.CharField(max_length=24, choices=FixState.choices, default=FixState.PENDING)
    reason = models.TextField(blank=True, help_text="Why the policy decided to act.")
    attempts = models.PositiveIntegerField(default=0, help_text="Times a worker took it, lost ones included.")
    max_attempts = models.PositiveIntegerField(default=5)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="Not tried before this (backoff).")
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds it until then; after that it counts as lost."
    )
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "key"], name="fix_job_once_per_key")]
        indexes = [
            models.Index(fields=["project", "responder", "-created_at"], name="fix_job_recent"),
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "dispatched", "running"]),
                name="fix_job_unfinished",
            ),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_responder_display()} {self.key} ({self.state})"


class FixJobEvent(models.Model):
    """One move of a fix job: from, to, why, and what it saw (the timeline)."""

    fix_job = models.ForeignKey(FixJob, on_delete=models.CASCADE, related_name="events")
    from_state = models.CharField(max_length=24, choices=FixState.choices, blank=True)
    to_state = models.CharField(max_length=24, choices=FixState.choices)
    reason = models.TextField()
    detail = models.JSONField(default=dict, blank=True)
    actor = models.CharField(max_length=150, blank=True, help_text="The person, when not the hub.")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_state or '∅'} → {self.to_state}: {self.reason}"


class EffectState(models.TextChoices):
    INTENDED = "intended", "Intended (recorded before the call)"
    DONE = "done", "Done"
    FAILED = "failed", "Refused by the provider"
    UNKNOWN = "unknown", "Unknown (checked with the provider before any new call)"


class Effect(models.Model):
    """An outside object a fix job creates, keyed so that it is created at most once."""

    fix_job = models.ForeignKey(FixJob, on_delete=models.CASCADE, related_name="effects")
    key = models.CharField(max_length=300, unique=True)
    kind = models.CharField(max_length=32, help_text="rerun, issue, comment...")
    state = models.CharField(max_length=16, choices=EffectState.choices, default=EffectState.INTENDED)
    external_id = models.CharField(max_length=200, blank=True)
    external_url = models.URLField(max_length=2000, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.kind} {self.key} ({self.state})"


class Policy(models.Model):
    """A project's response policy: the document as given (validated), with who changed it and when."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="policy")
    document = models.JSONField(default=dict, blank=True, help_text="Keys not given take their defaults.")
    version = models.PositiveIntegerField(default=1, help_text="Raised by one on every change.")
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"policy of {self.project} (v{self.version})"


# The coding-agent hand-off's rows (agent connections, agent runs, operators' tasks) live beside the
# adapters; imported here so Django registers them with this app.
from hub.response.agents.models import AgentConnection, AgentRun, Task  # noqa: E402, F401
