"""``/tests/<id>/``: one test's history, verdict and what is being done about it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from hub.dashboard import test_page
from hub.projects.services import visible
from hub.runs.models import Test


@login_required
def test(request, test_id: int):
    found = get_object_or_404(visible(Test.objects.select_related("project"), request.user), pk=test_id)
    return render(request, "dashboard/test.html", test_page.context(found))
