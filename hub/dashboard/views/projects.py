"""``/``: a card per project the reader belongs to."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from hub.dashboard import summaries
from hub.projects.models import Project
from hub.projects.services import visible


@login_required
def projects(request):
    cards = [summaries.card(project) for project in visible(Project.objects.all(), request.user, "")]
    return render(request, "dashboard/projects.html", {"cards": cards})
