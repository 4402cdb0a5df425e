"""A pull request's failure finds its base-branch baseline through the project's results segments
(hub/runs/services/segments.py): the latest base-branch run across segment boundaries, and one written
long before newer segments. Segments are made four results long, so every landed report opens a new one.

The read walks the history index in order and stops at its limit, without a sort (the plan tests)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.failures.models import Classification, Failure
from hub.failures.services.analysis import analyse_upload
from hub.failures.services.classification import baseline_verdict, classify_upload
from hub.runs.models import Run, Test, TestResult
from hub.runs.services import segments
from tests.hub.conftest import case
from tests.hub.failures.conftest import BROKEN, PASSING, PR
from tests.hub.plans import plan_as_if_big, plan_of

pytestmark = pytest.mark.django_db

RESULTS = TestResult._meta.db_table
BYSTANDERS = [case(f"test_other_{i}") for i in range(4)]  # a landed report fills a segment of four


@pytest.fixture(autouse=True)
def _small_segments(monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_BITS", 2)


def pull_request_failure(land) -> Failure:
    upload = land(BROKEN, *BYSTANDERS, **PR)
    analyse_upload(upload.pk)
    classify_upload(upload.pk)
    return Failure.objects.get(run_id=upload.run_id)


def segments_of_checkout() -> list[int]:
    return list(
        TestResult.objects.filter(test__name="test_checkout").order_by("id").values_list("segment", flat=True)
    )


def test_the_latest_base_branch_run_decides_across_a_segment_boundary(land):
    land(BROKEN, *BYSTANDERS, run_id="main-1", branch="main")
    land(PASSING, *BYSTANDERS, run_id="main-2", branch="main")
    older, newer = segments_of_checkout()
    assert older < newer

    assert pull_request_failure(land).classification == Classification.NEW


def test_a_base_branch_result_in_an_older_segment_is_still_a_baseline(land):
    land(BROKEN, *BYSTANDERS, run_id="main-1", branch="main")
    for number in range(5):
        land(*BYSTANDERS, run_id=f"main-{number + 2}", branch="main")
    [segment] = segments_of_checkout()
    assert TestResult.objects.filter(segment__gt=segment).values("segment").distinct().count() == 5

    assert pull_request_failure(land).classification == Classification.ALREADY_FAILING


def baseline_plan(land) -> str:
    """The database's plan for a test's baseline in a project whose results span segments."""
    for number in range(3):
        land(PASSING, *BYSTANDERS, run_id=f"main-{number}", branch="main")
    upload = land(BROKEN, *BYSTANDERS, **PR)
    run = Run.objects.get(pk=upload.run_id)
    test = Test.objects.get(name="test_checkout")
    with CaptureQueriesContext(connection) as queries:
        baseline_verdict(run, test.pk, "main", "test")
    [sql] = [q["sql"] for q in queries.captured_queries if RESULTS in q["sql"]]
    return plan_of(sql)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
def test_a_baseline_is_read_in_order_off_the_history_index_on_sqlite(land):
    plan = baseline_plan(land)

    assert "USING INDEX result_segment_test (segment=? AND test_id=?)" in plan
    assert "TEMP B-TREE" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's EXPLAIN")
def test_a_baseline_is_read_in_order_off_the_history_index_on_postgresql(land):
    plan_as_if_big()
    plan = baseline_plan(land)

    assert "Index Scan Backward using result_segment_test" in plan
    assert "Sort" not in plan
