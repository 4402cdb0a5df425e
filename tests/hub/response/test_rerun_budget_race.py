"""The project's daily re-run limit holds when runs complete at the same moment: each worker counts the
day's re-runs and opens its fix job under one lock per project, so the last re-run is taken once."""

from __future__ import annotations

import pytest
from django.db import connection

from hub.response.models import FixJob
from hub.response.policy import store
from hub.response.responders import rerun
from hub.runs.models import Conclusion, Run, RunStatus
from tests.hub.conftest import case
from tests.hub.response.conftest import FLAKY, post
from tests.hub.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)
RUNS = 6
LIMIT = 2


def consider(run_id: int) -> None:
    run = Run.objects.select_related("project").get(pk=run_id)
    rerun.consider(run, store.effective(run.project))


def test_runs_completing_at_once_never_take_more_re_runs_than_the_daily_limit(octo, octo_agent, run_tasks):
    store.save(octo, {"rerun": {"max_per_day": LIMIT}})
    for n in range(RUNS):  # each run fails on a test of its own, learned flaky on another commit first
        flaky = case(f"{FLAKY}_{n}", "failed", message="AssertionError: timing")
        for run_id, attempt, cases in ((f"7{n}", 1, [flaky]), (f"7{n}", 2, [case(f"{FLAKY}_{n}")]),
                                       (f"9{n}", 1, [flaky])):  # fmt: skip
            with run_tasks():
                post(octo_agent, *cases, run_id=run_id, attempt=attempt, sha=f"{n}" * 40)
    red = Run.objects.filter(provider_run_id__startswith="9")
    red.update(status=RunStatus.COMPLETED, conclusion=Conclusion.FAILURE)
    assert red.count() == RUNS
    connection.close()  # the threads open their own connections, as workers do

    errors = at_once(consider, [(pk,) for pk in red.values_list("pk", flat=True)])

    assert errors == []
    assert FixJob.objects.filter(responder="rerun").count() == LIMIT
