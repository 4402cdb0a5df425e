"""An upload's analysis costs a number of statements that does not grow with its tests or failures (no
per-test queries), and a backlog pass adds fewer per upload than analysing them one at a time."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.outbox.models import OwedWork, WorkState
from hub.outbox.services import claims
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db

ONE_UPLOAD = 70  # statements: claim, analysis, plan, verdicts, state changes, done; measured 50-60


def land(agent, number: int, tests: int, failing: int) -> int:
    cases = [
        case(f"test_{i}", "failed", message=f"assert {i} == {number}") if i < failing else case(f"test_{i}")
        for i in range(tests)
    ]
    response = agent.post_report(report(*cases, run_id=str(number), sha=f"{number:040x}"))
    assert response.status_code == 201, response.content
    return OwedWork.objects.get(subject_id=response.json()["upload"]).pk


def statements(*work_ids: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        for work_id in work_ids:
            assert claims.perform(work_id) == WorkState.DONE
    return len(queries.captured_queries)


@pytest.mark.parametrize(("tests", "failing"), [(50, 5), (400, 200)])
def test_an_uploads_analysis_takes_the_same_few_statements_for_few_or_many_failures(
    agent, settings, tests, failing
):
    settings.OWED_BATCH_SIZE = 1
    for number in range(1, 4):  # failures, then a pass: watched tests, passes after failures
        claims.perform(land(agent, number, tests, failing if number != 2 else 0))

    assert statements(land(agent, 9, tests, failing)) <= ONE_UPLOAD


def test_a_backlog_pass_costs_fewer_statements_than_its_uploads_one_at_a_time(agent, settings):
    settings.OWED_BATCH_SIZE = 1
    for number in range(1, 4):
        claims.perform(land(agent, number, 200, 20))
    alone = statements(*[land(agent, number, 200, 20) for number in range(10, 15)])
    settings.OWED_BATCH_SIZE = 20
    backlog = [land(agent, number, 200, 20) for number in range(20, 25)]

    together = statements(backlog[0])

    assert set(OwedWork.objects.filter(pk__in=backlog).values_list("state", flat=True)) == {WorkState.DONE}
    assert together < alone * 0.9  # the claims, the done marks and the clean passes, once
