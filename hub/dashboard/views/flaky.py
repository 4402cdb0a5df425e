"""``/flaky/``: flaky, broken, suspected and quarantined tests by impact (the API's order), filtered by
project, state and quarantine owner; ``/flaky/fixed/``: tests judged fixed, most recent first."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hub.api.pagination import DefaultCursorPagination
from hub.api.viewsets.flaky import DEFAULT_STATES, ImpactPagination
from hub.dashboard.paging import page
from hub.flaky.models import QuarantineEntry, TestHealth, TestState
from hub.flaky.services.quarantine import with_active_quarantine
from hub.projects.models import Project
from hub.projects.services import visible

BOARD_STATES = [state for state in TestState.choices if state[0] in DEFAULT_STATES]


class FixedPagination(DefaultCursorPagination):
    """Most recently judged fixed first; the test id keeps the order total."""

    ordering = ("-state_since", "-test_id")


def _healths(request):
    healths = visible(TestHealth.objects.select_related("test", "project"), request.user)
    project = request.GET.get("project", "").strip()
    if project:
        healths = healths.filter(project__full_name=project)
    return with_active_quarantine(healths), project


@login_required
def board(request):
    healths, project = _healths(request)
    wanted = [s for s in request.GET.getlist("state") if s in DEFAULT_STATES]
    healths = healths.filter(state__in=wanted or DEFAULT_STATES)
    owner = request.GET.get("owner", "").strip()
    if owner:
        owned = QuarantineEntry.objects.active().filter(owner=owner).values("test_id")
        healths = healths.filter(test_id__in=owned)
    context = {
        "page": page(ImpactPagination, healths, request),
        "projects": visible(Project.objects.all(), request.user, "").values_list("full_name", flat=True),
        "owners": visible(QuarantineEntry.objects.active().exclude(owner=""), request.user)
        .values_list("owner", flat=True)
        .distinct()
        .order_by("owner"),
        "states": BOARD_STATES,
        "given": {"project": project, "owner": owner, "states": wanted},
    }
    return render(request, "dashboard/flaky.html", context)


@login_required
def fixed(request):
    healths, project = _healths(request)
    context = {
        "page": page(FixedPagination, healths.filter(state=TestState.FIXED), request),
        "projects": visible(Project.objects.all(), request.user, "").values_list("full_name", flat=True),
        "given": {"project": project},
    }
    return render(request, "dashboard/fixed.html", context)
