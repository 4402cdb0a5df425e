"""Work the hub owes, recorded in the same transaction as what owes it.

An app *announces* what it stored ("upload 42 stored"); every consumer subscribed to that topic gets one
``OwedWork`` row, written inside the announcing transaction, so the work exists exactly when its cause
does. The task queue is only the fast path: a worker claims the row with a guarded update (a lease),
does the work and marks it done in one transaction; a periodic sweep re-enqueues what no worker finished
(a task lost by the broker, a worker killed), and after ``OWED_MAX_ATTEMPTS`` the row is dead, for an
operator to see in admin. This app sits below every other: it knows topics, ids and task paths, nothing
of what they mean.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone


class WorkState(models.TextChoices):
    OWED = "owed", "Owed"
    DONE = "done", "Done"
    DEAD = "dead", "Dead (attempts exhausted)"


class OwedWork(models.Model):
    """One consumer's work for one announcement: who does it, how far it got, and why it last failed."""

    topic = models.CharField(max_length=64, help_text="What was announced, e.g. upload.stored.")
    subject_id = models.BigIntegerField(help_text="The id of what was announced (an upload, a delivery).")
    consumer = models.CharField(max_length=200, help_text="Dotted path of the function that does the work.")
    state = models.CharField(max_length=8, choices=WorkState.choices, default=WorkState.OWED)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now, help_text="Not retried before this (backoff).")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last handed to the task queue.")
    claimed_until = models.DateTimeField(
        null=True, blank=True, help_text="A worker holds it until then; after that it counts as lost."
    )
    attempts = models.PositiveIntegerField(default=0, help_text="Claims so far, including lost ones.")
    last_error = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "owed work"
        verbose_name_plural = "owed work"
        constraints = [
            models.UniqueConstraint(fields=["topic", "subject_id", "consumer"], name="owed_once_per_consumer")
        ]
        indexes = [
            # The sweep's and the admin's question, "what is still owed?", reads only unfinished rows.
            models.Index(fields=["due_at"], condition=Q(state="owed"), name="owed_unfinished_due"),
            models.Index(fields=["state", "-created_at"], name="owed_state_recent"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.topic} {self.subject_id} → {self.consumer} ({self.state})"


class Change(models.Model):
    """A change people may be watching ("run 5 moved"), recorded in the changing transaction so a page's
    cursor (the last id it saw) finds exactly the committed changes after it. Plain ids, no foreign keys:
    this app knows nothing of runs; rows older than ``LIVE_KEEP_SECONDS`` are pruned as new ones come."""

    topic = models.CharField(max_length=64, help_text="What happened, e.g. run.completed, fix_job.moved.")
    project_id = models.BigIntegerField()
    run_id = models.BigIntegerField(null=True, blank=True)
    fix_job_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.topic} in project {self.project_id}"
