"""Operators' tasks for the coding agent (seeds 003 and 004): a goal with requirements and acceptance
criteria, sent to the project's agent as a hand-off fix job, so a task is approved, attempted with backoff
and strategies, capped per day, retried and cancelled exactly as a failure's hand-off is.

A task's progress is read from its fix job: the state, the current step (its last timeline entry), the
pull request of its last agent run, the validation (the hub's latest CI run of that pull request) and the
merge decision taken on it (``services/agent_pulls.py`` takes the pull request through its CI to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q

from hub.projects.models import Project
from hub.response.agents.models import AgentRun, Task
from hub.response.models import FixJob
from hub.response.policy import store
from hub.response.responders import coding_agent
from hub.response.services import fix_jobs, fix_rounds
from hub.runs.models import Run

PULL_NUMBER = re.compile(r"/(?:pull|merge_requests)/(\d+)(?:[/?#]|$)")
DECISION = "merge decision: "  # how services/merging.py starts each decision's timeline line


class TaskRefused(Exception):
    """The task cannot be sent now; the message says what to do."""


@dataclass(frozen=True)
class Progress:
    state: str
    current_step: str
    pull_request_url: str
    agent_runs: int
    validation: dict[str, Any] | None
    merge_decision: str  # the last merge decision on its pull request, with its reasons ("" before one)


def create(project: Project, fields: dict[str, Any], user: Any) -> Task:
    """Record the task and open its hand-off (dispatched after commit); ``TaskRefused`` when the
    project has no agent or its daily cap is reached."""
    rules = store.effective(project)["agent"]
    if not rules["adapter"]:
        raise TaskRefused("the project has no coding agent: set agent.adapter in its policy first")
    if coding_agent.handoffs_today(project.pk) >= rules["max_per_day"]:
        raise TaskRefused(
            f"the project's agent.max_per_day ({rules['max_per_day']}) hand-offs in 24 h are used; "
            "try again later or raise the cap in the policy"
        )
    by = user if getattr(user, "is_authenticated", False) else None
    with transaction.atomic():
        task = Task.objects.create(project=project, created_by=by, **fields)
        who = by.get_username() if by else "an operator"
        job = fix_jobs.open_job(
            project.pk, coding_agent.KIND, f"agent:task:{task.pk}", f"task {task.pk} from {who}: {task.title}"
        )
        Task.objects.filter(pk=task.pk).update(fix_job=job)
        task.fix_job = job
    return task


def progress(task: Task) -> Progress:
    job: FixJob | None = task.fix_job
    if job is None:
        return Progress("cancelled", "its fix job was deleted", "", 0, None, "")
    last_event = job.events.order_by("-at", "-id").first()
    runs = AgentRun.objects.filter(fix_job=job).order_by("-attempt")
    pull = next((run.pull_request_url for run in runs if run.pull_request_url), "")
    decided = job.events.filter(reason__startswith=DECISION).order_by("-at", "-id").first()
    merge = decided.reason[len(DECISION) :] if decided else ""
    linked = fix_rounds.pull_request(job)
    branch = linked.detail.get("branch", "") if linked is not None else ""
    return Progress(job.state, last_event.reason if last_event else "", pull, runs.count(),
                    validation(task.project_id, pull, branch), merge)  # fmt: skip


def validation(project_id: int, pull_request_url: str, branch: str = "") -> dict[str, Any] | None:
    """The hub's latest CI run of the pull request (by its number, or by its ``branch``), if it has one."""
    match = PULL_NUMBER.search(pull_request_url)
    if not match:
        return None
    its = Q(pull_request=int(match.group(1))) | (Q(branch=branch) if branch else Q(pk__in=[]))
    run = Run.objects.filter(its, project_id=project_id).order_by("-created_at", "-id").first()
    if run is None:
        return None
    return {"run": run.pk, "status": run.status, "conclusion": run.conclusion or None, "url": run.url or None}
