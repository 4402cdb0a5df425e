"""Operators' tasks for the coding agent on the dashboard (seed 004's "run button with goal input"):
``/tasks/`` lists them, ``/tasks/new/`` gives the agent one, ``/tasks/<id>/`` shows its progress.

The rule and the workflow are the API's (``hub.api.viewsets.agents.TaskViewSet``): the form is checked
by the API's ``TaskRequestSerializer``, the task made by ``agent_tasks.create`` and its progress read by
``agent_tasks.progress``; members read, owners create, retry and cancel, since a task spends the agent's
credits and opens pull requests.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hub.api.serializers_agents import TaskRequestSerializer
from hub.api.viewsets.base import RecentRunsPagination
from hub.dashboard.operate import may_cancel, may_retry, require
from hub.dashboard.paging import page
from hub.dashboard.views.operate import confirmed_or_ask
from hub.projects.models import Project
from hub.projects.services import is_owner, owned, visible
from hub.response.agents.models import Priority, Task
from hub.response.services import agent_tasks, fix_jobs

OWNERS = "the project's owners may give its coding agent tasks (they spend its credits)"
FIELDS = ("title", "description", "requirements", "acceptance_criteria", "priority")


def _owned(user) -> list[Project]:
    return list(owned(Project.objects.order_by("full_name"), user))


@login_required
def tasks(request):
    shown = visible(Task.objects.select_related("project", "created_by", "fix_job"), request.user)
    project = request.GET.get("project", "").strip()
    if project:
        shown = shown.filter(project__full_name=project)
    listed = page(RecentRunsPagination, shown, request)
    for task in listed.rows:
        task.progress = agent_tasks.progress(task)
    context = {
        "page": listed,
        "projects": visible(Project.objects.all(), request.user, "").values_list("full_name", flat=True),
        "given": {"project": project},
        "can_create": owned(Project.objects.all(), request.user).exists(),
    }
    return render(request, "dashboard/tasks.html", context)


@login_required
def new_task(request):
    owned = _owned(request.user)
    require(bool(owned), OWNERS)
    source = request.POST if request.method == "POST" else request.GET
    given = {name: source.get(name, "") for name in ("project", *FIELDS)}
    context = {"projects": owned, "priorities": Priority.choices, "given": given, "errors": {}}
    if request.method != "POST":
        return render(request, "dashboard/task_new.html", context)
    sent = {name: value for name, value in given.items() if value != ""}
    sent["project"] = int(given["project"]) if given["project"].isdigit() else None  # a form sends text
    data = TaskRequestSerializer(data=sent)
    if not data.is_valid():
        context["errors"] = {name: " ".join(str(e) for e in errs) for name, errs in data.errors.items()}
        return render(request, "dashboard/task_new.html", context, status=400)
    fields = dict(data.validated_data)
    project = get_object_or_404(visible(Project.objects.all(), request.user, ""), pk=fields.pop("project"))
    require(is_owner(project, request.user), OWNERS)
    question = f"Give {project.full_name}'s coding agent the task “{fields['title']}”?"
    if answer := confirmed_or_ask(request, question, reverse("dashboard:task-new")):
        return answer
    try:
        task = agent_tasks.create(project, fields, request.user)
    except agent_tasks.TaskRefused as refused:
        context["errors"] = {"project": f"Not sent: {refused}."}
        return render(request, "dashboard/task_new.html", context, status=409)
    messages.success(request, f"Task {task.pk} sent to {project.full_name}'s coding agent.")
    return redirect(reverse("dashboard:task", args=[task.pk]))


def _task(request, task_id: int) -> Task:
    found = visible(Task.objects.select_related("project", "created_by", "fix_job"), request.user)
    return get_object_or_404(found, pk=task_id)


@login_required
def task(request, task_id: int):
    found = _task(request, task_id)
    progress = agent_tasks.progress(found)
    job = found.fix_job
    context = {
        "task": found,
        "progress": progress,
        "can_change": is_owner(found.project, request.user),
        "can_retry": job is not None and may_retry(job),
        "can_cancel": job is not None and may_cancel(job),
    }
    return render(request, "dashboard/task.html", context)


@login_required
@require_POST
def task_step(request, task_id: int, step: str):
    found = _task(request, task_id)
    require(is_owner(found.project, request.user), "the project's owners may change its tasks")
    back = reverse("dashboard:task", args=[found.pk])
    question = "Try this task again from the start?" if step == "retry" else "Cancel this task?"
    if answer := confirmed_or_ask(request, question, back):
        return answer
    operation = fix_jobs.retry if step == "retry" else fix_jobs.cancel
    job = found.fix_job
    if job is not None and operation(job, request.user.get_username()):
        messages.success(request, "Tried again." if step == "retry" else "Cancelled.")
    else:
        state = job.get_state_display().lower() if job else "without a fix job"
        what = "only a failed or dead task can be tried again" if step == "retry" else (
            "a running or finished task cannot be cancelled")  # fmt: skip
        messages.error(request, f"Task {found.pk} is {state}: {what}.")
    return redirect(back)
