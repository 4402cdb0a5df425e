"""``/fix-jobs/``: fix jobs newest first, by project and state; ``/fix-jobs/<id>/``: one with its
timeline (a row per move, with its reason), its merge decisions with their reasons and the validate
result, the fixer's rounds, and the outside objects it made (re-runs, issues, comments)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from hub.api.viewsets.base import RecentRunsPagination
from hub.dashboard import fix_job_page
from hub.dashboard.paging import page
from hub.failures.services.context import pull_request_url
from hub.projects.models import Project
from hub.projects.services import visible
from hub.response.models import FixJob, FixState
from hub.response.services import fix_rounds


@login_required
def fix_jobs(request):
    jobs = visible(FixJob.objects.select_related("project", "run", "test"), request.user)
    project = request.GET.get("project", "").strip()
    if project:
        jobs = jobs.filter(project__full_name=project)
    state = request.GET.get("state", "")
    if state in FixState.values:
        jobs = jobs.filter(state=state)
    context = {
        "page": page(RecentRunsPagination, jobs, request),
        "projects": visible(Project.objects.all(), request.user, "").values_list("full_name", flat=True),
        "states": FixState.choices,
        "given": {"project": project, "state": state},
    }
    return render(request, "dashboard/fix_jobs.html", context)


@login_required
def fix_job(request, fix_job_id: int):
    jobs = visible(FixJob.objects.select_related("project", "run__project", "test", "cluster"), request.user)
    found = get_object_or_404(jobs, pk=fix_job_id)
    events = list(found.events.all())
    context = {
        "fix_job": found,
        "pull_request_url": pull_request_url(found.run) if found.run and found.run.pull_request else "",
        "events": events,
        "decisions": fix_job_page.merge_decisions(events),
        "rounds": fix_job_page.rounds(fix_rounds.rounds(found)),
        "effects": list(found.effects.order_by("created_at", "id")),
    }
    return render(request, "dashboard/fix_job.html", context)
