"""``/runs/``: runs newest first with the API's filters; ``/runs/<id>/``: one run, failures first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hub.api.filters import RunFilter
from hub.api.viewsets.base import RecentRunsPagination
from hub.dashboard import filters, run_page
from hub.dashboard.paging import page
from hub.projects.models import Project
from hub.projects.services import visible
from hub.runs.models import Job, Run

RUNS_PER_PAGE = 30


@login_required
def runs(request):
    projects = visible(Project.objects.all(), request.user, "")
    data, errors = filters.run_filter_data(request.GET, timezone.now())
    runs_filter = RunFilter(data, queryset=visible(Run.objects.select_related("project"), request.user))
    if runs_filter.is_valid():
        queryset = runs_filter.qs
    else:
        errors.update({name: " ".join(problems) for name, problems in runs_filter.errors.items()})
        queryset = Run.objects.none()
    queryset = queryset.prefetch_related(Prefetch("jobs", queryset=Job.objects.order_by("id")))
    shown = page(RecentRunsPagination, queryset, request, size=RUNS_PER_PAGE)
    context = {
        "page": shown,
        "projects": projects.values_list("full_name", flat=True),
        "given": {name: request.GET.get(name, "") for name in filters.FIELDS},
        "statuses": filters.STATUS_CHOICES,
        "periods": [(key, label) for key, (label, _) in filters.PERIODS.items()],
        "errors": errors,
    }
    return render(request, "dashboard/runs.html", context)


@login_required
def run(request, run_id: int):
    found = get_object_or_404(visible(Run.objects.select_related("project"), request.user), pk=run_id)
    return render(request, "dashboard/run.html", run_page.context(found, request))
