"""Each load writes into its project's open segment, and a test's history is read newest segment first.

Segments are made tiny here (two results each, ``SEGMENT_BITS = 1``) so that a few small reports span
several of them; reports go through the real ingest API.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from hub.projects.models import Project
from hub.runs.models import Test, TestResult
from hub.runs.services import segments
from tests.hub.conftest import case, post_runs, report, runs_of

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("two_results_a_segment")]


def loaded(project: Project) -> int:
    return Project.objects.values_list("results_loaded", flat=True).get(pk=project.pk)


def test_a_load_counts_its_results_towards_the_projects_segments(agent, project):
    rerun = case("test_retried", reruns=[{"status": "failed", "duration": 0.1}])

    agent.post_report(report(case("test_a"), case("test_b"), rerun))

    assert loaded(project) == 4  # the rerun is a result of its own


def test_every_row_of_a_load_is_in_the_segment_open_when_it_began(agent, project):
    post_runs(agent, 1, "test_a")  # 1 result: segment 0 stays open
    post_runs(agent, 1, "test_a", "test_b", "test_c", first=2)  # begins in segment 0, ends past it
    post_runs(agent, 1, "test_a", first=3)  # 4 loaded: segment 2

    by_run = TestResult.objects.order_by("id").values_list("run__provider_run_id", "segment")
    assert list(by_run) == [("1", 0), ("2", 0), ("2", 0), ("2", 0), ("3", 2)]


def test_later_rows_of_a_project_are_never_in_an_earlier_segment(agent, project):
    post_runs(agent, 5, "test_a", "test_b", "test_c")

    in_order = list(TestResult.objects.order_by("id").values_list("segment", flat=True))
    assert in_order == sorted(in_order)
    assert len(set(in_order)) > 1


def test_a_replayed_upload_counts_nothing(agent, project):
    document = report(case("test_a"), case("test_b"))
    first = agent.post_report(document, key="once").json()

    replay = agent.post_report(document, key="once").json()

    assert replay == first
    assert loaded(project) == 2


def test_a_refused_upload_counts_nothing(agent, project):
    post_runs(agent, 1, "test_a")
    bad = report(case("test_b"), {"name": "test_c", "status": "exploded"}, run_id="2")

    response = agent.post_report(bad)

    assert response.status_code == 422
    assert loaded(project) == 1


def test_projects_number_their_segments_apart(agent, project, other_project):
    post_runs(agent, 3, "test_a", "test_b")

    assert loaded(other_project) == 0
    assert segments.open_segment(other_project.pk) == 0


def test_the_admin_shows_a_tests_newest_results_across_segments(agent, project, admin_client):
    post_runs(agent, 4, "test_a", "test_b", "test_c")
    test = Test.objects.get(name="test_a")

    page = admin_client.get(reverse("admin:runs_test_change", args=[test.pk]))

    history = page.content.decode().split("field-history")[1]
    position = {run: history.index(reverse("admin:runs_run_change", args=[run])) for run in runs_of(test)}
    assert sorted(position, key=position.get) == sorted(position, reverse=True)


@pytest.mark.django_db(transaction=True)
def test_projects_with_results_before_segments_begin_their_next_load_in_a_new_segment():
    """Results stored before segments are all in segment 0; new loads must not write into that part of
    the history index, which holds the whole old table."""
    before = [("projects", "0002_project_auto_quarantine"), ("runs", "0005_results_one_job_index")]
    after = [("projects", "0003_results_segments"), ("runs", "0006_results_segments")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    busy = old.get_model("projects", "Project").objects.create(full_name="acme/busy")
    run = old.get_model("runs", "Run").objects.create(project=busy, provider="github", provider_run_id="1")
    job = old.get_model("runs", "Job").objects.create(run=run, name="unit")
    old.get_model("runs", "Upload").objects.create(project=busy, run=run, job=job, content_sha256="0" * 64)
    idle = old.get_model("projects", "Project").objects.create(full_name="acme/idle")

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    try:
        assert loaded(busy) == segments.SEGMENT_RESULTS  # the first result of segment 1 (at the real size)
        assert loaded(idle) == 0
    finally:
        # The later tests of this process share the database: leave it at the latest migrations.
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
