"""The coding-agent hand-off's data: a project's agent connection, each agent run, operators' tasks.

An ``AgentConnection`` holds what the policy's ``agent`` section must not (it is shown to every member):
the adapter's address and its secret (a Codegen API token, or the generic adapter's HMAC key), encrypted
like integration secrets (``hub.integrations.crypto``), and the project's own prompt template. An
``AgentRun`` is one run of the agent for a fix job: its attempt, the prompt strategy it was given, the
agent's id, status word and pull request. A ``Task`` is an operator's goal for the agent; its progress is
its fix job's (``responders/coding_agent.py``), so tasks and failures share one workflow.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from hub.integrations import crypto
from hub.projects.models import Project


class AgentConnection(models.Model):
    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="agent_connection")
    api_url = models.URLField(
        max_length=2000,
        blank=True,
        help_text="Codegen: its API (empty for https://api.codegen.com). Generic: the URL the hub POSTs to.",
    )
    secret_encrypted = models.TextField(blank=True, editable=False)
    prompt_template = models.TextField(
        blank=True,
        help_text="Overrides the built-in prompt template ($project, $run, $context, $scope, $strategy, "
        "$title, $description, $requirements, $acceptance_criteria); empty keeps the built-in one.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"agent connection of {self.project}"

    def set_secret(self, plain: str | None) -> None:
        """Store the Codegen token or the generic adapter's HMAC key encrypted ("" clears it)."""
        self.secret_encrypted = crypto.encrypt(plain) if plain else ""

    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted) if self.secret_encrypted else ""


class Strategy(models.TextChoices):
    """The seeds' retry strategies, one per attempt: the context, then more of it, then a narrower goal."""

    CONTEXT = "context", "The failure context"
    MORE_CONTEXT = "more_context", "More context (full traces, more log lines)"
    NARROW = "narrow", "Narrowed to one failing test"


class AgentRunState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused (waiting for input)"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class AgentRun(models.Model):
    fix_job = models.ForeignKey("response.FixJob", on_delete=models.CASCADE, related_name="agent_runs")
    attempt = models.PositiveIntegerField()
    strategy = models.CharField(max_length=16, choices=Strategy.choices)
    adapter = models.CharField(max_length=16)
    external_id = models.CharField(max_length=200, blank=True)
    web_url = models.URLField(max_length=2000, blank=True)
    status_url = models.URLField(max_length=2000, blank=True, help_text="Generic agents: where to poll.")
    state = models.CharField(max_length=16, choices=AgentRunState.choices, default=AgentRunState.RUNNING)
    status_word = models.CharField(max_length=64, blank=True, help_text="The agent's own status, as said.")
    pull_request_url = models.URLField(max_length=2000, blank=True)
    summary = models.TextField(blank=True)
    prompt_bytes = models.PositiveIntegerField(default=0)
    polls = models.PositiveIntegerField(default=0)
    next_poll_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["fix_job", "attempt"], name="agent_run_once_per_attempt")
        ]
        indexes = [models.Index(fields=["state", "next_poll_at"], name="agent_run_due")]
        ordering = ["fix_job", "attempt"]

    def __str__(self) -> str:
        return f"agent run {self.attempt} of fix job {self.fix_job_id} ({self.state})"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class Task(models.Model):
    """An operator's goal for the coding agent; its status, step and pull request are its fix job's."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agent_tasks")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=20000)
    requirements = models.TextField(max_length=20000, blank=True)
    acceptance_criteria = models.TextField(max_length=20000, blank=True)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    fix_job = models.OneToOneField(
        "response.FixJob", on_delete=models.SET_NULL, null=True, blank=True, related_name="task"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"task {self.pk}: {self.title}"
