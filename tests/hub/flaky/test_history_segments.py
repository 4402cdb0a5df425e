"""Detection reads each test's recent history newest first through the project's results segments
(hub/runs/services/segments.py): complete up to the window however many segments it spans, and found
however long ago it was written. Segments are made four results long, so every upload opens a new one.

The read walks the history index in order and stops at the window, without a sort (the plan tests)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.flaky.models import TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services import detection_run, history
from hub.runs.models import Test, TestResult
from hub.runs.services import segments
from tests.hub.conftest import case, report
from tests.hub.plans import plan_as_if_big, plan_of

pytestmark = pytest.mark.django_db

RESULTS = TestResult._meta.db_table
BYSTANDERS = [case(f"test_other_{i}") for i in range(4)]  # an upload fills a segment of four results
_runs = itertools.count(1)


@pytest.fixture(autouse=True)
def _small_segments(monkeypatch):
    monkeypatch.setattr(segments, "SEGMENT_BITS", 2)


def upload(agent, *cases, sha=None, **run) -> int:
    """Post one report as the agent does (with bystanders); return its upload id."""
    number = next(_runs)
    body = report(*cases, *BYSTANDERS, run_id=str(number), sha=sha or f"{number:040x}", **run)
    response = agent.post_report(body)
    assert response.status_code == 201, response.content
    return response.json()["upload"]


def results_of(name: str) -> list[TestResult]:
    """The test's results, newest first by id (ids grow with time)."""
    return list(TestResult.objects.filter(test__name=name).order_by("-id"))


def history_ids(project, name: str) -> set[int]:
    test = Test.objects.get(project=project, name=name)
    rows = history.histories(project.pk, [test.pk], "main")[test.pk]
    return {row[0] for row in rows}  # rows in Outcome's field order: the result id first


def test_a_history_spanning_many_segments_is_its_newest_window_of_results(agent, project, monkeypatch):
    monkeypatch.setattr(history, "WINDOW", 5)  # the window ends inside a segment: two attempts in each
    for _ in range(8):
        upload(agent, case("test_widget", reruns=[{"status": "failed", "message": "timeout"}]))
    stored = results_of("test_widget")
    assert len(stored) == 16
    assert len({result.segment for result in stored}) == 8

    assert history_ids(project, "test_widget") == {result.pk for result in stored[:5]}


def test_a_history_shorter_than_the_window_is_read_whole_across_its_segments(agent, project):
    for _ in range(6):
        upload(agent, case("test_widget"))

    assert history_ids(project, "test_widget") == {result.pk for result in results_of("test_widget")}


def test_results_in_older_segments_are_found_when_newer_ones_hold_none_of_the_test(agent, project):
    upload(agent, case("test_retired", "failed"))
    for _ in range(5):
        upload(agent)
    [result] = results_of("test_retired")
    assert TestResult.objects.filter(segment__gt=result.segment).values("segment").distinct().count() == 5

    assert history_ids(project, "test_retired") == {result.pk}


def test_detection_judges_evidence_that_lies_in_several_segments(agent, project):
    sha = "c" * 40
    upload(agent, case("test_widget", "failed"), sha=sha)
    for _ in range(3):
        upload(agent)
    last = upload(agent, case("test_widget"), sha=sha)

    detection_run.update_for_upload(last)

    assert TestHealth.objects.get(test__name="test_widget").state == State.FLAKY


def history_plan(agent, project) -> str:
    """The database's plan for reading a test's history in a project whose results span segments."""
    for _ in range(3):
        upload(agent, case("test_widget"))
    test = Test.objects.get(project=project, name="test_widget")
    with CaptureQueriesContext(connection) as queries:
        history.histories(project.pk, [test.pk], "main")
    [sql] = [q["sql"] for q in queries.captured_queries if RESULTS in q["sql"]]
    return plan_of(sql)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
def test_a_history_is_read_in_order_off_the_history_index_on_sqlite(agent, project):
    plan = history_plan(agent, project)

    assert "USING COVERING INDEX result_segment_test (segment=? AND test_id=?)" in plan
    assert "TEMP B-TREE" not in plan
    assert "SCAN" not in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's EXPLAIN")
def test_a_history_is_read_in_order_off_the_history_index_on_postgresql(agent, project):
    plan_as_if_big()
    plan = history_plan(agent, project)

    assert "Index Scan Backward using result_segment_test" in plan
    assert "Sort" not in plan
