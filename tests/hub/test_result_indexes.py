"""The results table keeps few indexes and no foreign-key checks, and every reader still finds its rows
through one: a run's and an upload's results through (job), and deleting runs still takes their
results and failures with them without reading the table end to end."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from hub.failures.models import Failure, JobFailure
from hub.failures.services.analysis import analyse_upload
from hub.flaky.services.upload_plan import judged_in_upload
from hub.projects import services
from hub.projects.models import Membership, Project
from hub.runs.models import Job, Run, TestResult, Upload
from hub.runs.services import segments
from hub.runs.services.retention import prune_runs
from tests.hub.api.factories import make_job, make_result, make_run, make_test
from tests.hub.plans import plan_as_if_big, plan_of

pytestmark = pytest.mark.django_db

RESULTS = TestResult._meta.db_table
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's EXPLAIN QUERY PLAN")
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="reads pg_constraint")
DELETES_RESULTS = re.compile(rf'DELETE FROM "?{RESULTS}\b')
OLD = "2000-01-01T00:00:00Z"  # the factories' runs are from 2026
TEN_YEARS = 3650


def landed(project, *, name: str = "unit", failing: int = 2, passing: int = 2, **run_fields) -> Upload:
    """A run with one job and one upload: ``failing`` failed results (analysed) and ``passing`` passed."""
    run = make_run(project, **run_fields)
    job = make_job(run, name)
    for n in range(failing):
        make_result(job, make_test(project, f"test_fails_{run.pk}_{n}"), "failed", message="AssertionError")
    for n in range(passing):
        make_result(job, make_test(project, f"test_passes_{run.pk}_{n}"))
    upload = job.uploads.get()
    analyse_upload(upload.pk)
    return upload


def rows_of(upload: Upload) -> tuple[int, int, int, int, int]:
    """Results, failures, job failures, jobs and uploads left of the upload's run (by the ids it holds,
    which outlive the rows)."""
    return (
        TestResult.objects.filter(job_id=upload.job_id).count(),
        Failure.objects.filter(run_id=upload.run_id).count(),
        JobFailure.objects.filter(job_id=upload.job_id).count(),
        Job.objects.filter(run_id=upload.run_id).count(),
        Upload.objects.filter(run_id=upload.run_id).count(),
    )


def result_plans(queries) -> list[tuple[str, str]]:
    """``(statement, plan)`` of each captured statement reading or deleting results (SQLite)."""
    statements = [query["sql"] for query in queries.captured_queries]
    reading = ("SELECT", "DELETE")
    return [
        (sql, plan_of(sql))
        for sql in statements
        if RESULTS in sql and sql.lstrip().upper().startswith(reading)
    ]


def scans_results(sql: str, plan: str) -> bool:
    """A step reading the whole results table, under its name or a subquery's alias (``U0``): SQLite
    says SCAN, where a search through an index says SEARCH."""
    names = {RESULTS, *re.findall(rf'"{RESULTS}" ([A-Z][0-9]+)\b', sql)}
    return any(step.split()[:2] in (["SCAN", name] for name in names) for step in plan.splitlines())


def test_deleting_a_run_deletes_its_results_and_failures(project):
    gone, kept = landed(project), landed(project)

    Run.objects.get(pk=gone.run_id).delete()

    assert rows_of(gone) == (0, 0, 0, 0, 0)
    assert rows_of(kept) == (4, 2, 1, 1, 1)


def test_deleting_a_project_deletes_its_results_through_its_jobs(project, other_project):
    """Not by test: no index on results leads with the test any more, so a cascade by test would read
    the whole table once per batch of tests."""
    gone, kept = landed(project), landed(other_project)

    with CaptureQueriesContext(connection) as queries:
        Project.objects.get(pk=project.pk).delete()

    assert rows_of(gone) == (0, 0, 0, 0, 0)
    assert rows_of(kept) == (4, 2, 1, 1, 1)
    by_test = [
        q["sql"] for q in queries.captured_queries if RESULTS in q["sql"] and '"test_id" IN' in q["sql"]
    ]
    assert by_test == []


def test_pruning_old_runs_deletes_their_results_and_failures(project):
    old, recent = landed(project, created_at=OLD), landed(project)

    assert prune_runs(TEN_YEARS) == 1

    assert rows_of(old) == (0, 0, 0, 0, 0)
    assert rows_of(recent) == (4, 2, 1, 1, 1)


@sqlite_only
def test_pruning_never_scans_the_results_table(project):
    landed(project, created_at=OLD)
    landed(project)

    with CaptureQueriesContext(connection) as queries:
        prune_runs(TEN_YEARS)

    plans = result_plans(queries)
    assert plans
    assert [sql for sql, plan in plans if scans_results(sql, plan)] == []


def test_pruning_deletes_results_by_job_rather_than_listing_them(project):
    """Django's cascade would read every result of the batch into memory and delete them by id."""
    landed(project, created_at=OLD, failing=3, passing=30)

    with CaptureQueriesContext(connection) as queries:
        prune_runs(TEN_YEARS)

    deletes = [q["sql"] for q in queries.captured_queries if DELETES_RESULTS.match(q["sql"])]
    assert len(deletes) == 1
    assert "job_id IN" in deletes[0]


@sqlite_only
@pytest.mark.parametrize("params", [{}, {"status": "failed"}], ids=["all", "failed"])
def test_a_runs_results_are_read_through_the_job_index(project, owner, params):
    run = landed(project).run
    landed(project)  # another run's results, which the query must not have to read past
    _, token = services.issue_api_token(owner, read_only=True, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/runs/{run.pk}/results/", params)

    assert response.status_code == 200, response.content
    [(ids, page), (rows, by_key)] = result_plans(queries)  # the page's ids, then its rows by primary key
    assert "USING INDEX result_job_id (job_id=?)" in page or "USING COVERING INDEX result_job_id" in page
    assert "TEMP B-TREE" not in page
    assert not scans_results(ids, page)
    assert not scans_results(rows, by_key)


@postgresql_only
def test_a_page_of_a_runs_results_is_read_in_order_off_the_job_index_on_postgresql(project, owner):
    """Not the run's results joined to their tests and sorted, nor the primary key walked from the start:
    PostgreSQL chose both for one statement ordered by id (hub/api/pagination.py)."""
    run = landed(project, passing=30).run
    _, token = services.issue_api_token(owner, read_only=True, name="test")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    plan_as_if_big()
    with connection.cursor() as cursor:
        # With the few rows a test lands, whatever statistics autovacuum last left can make fetching all of
        # a job's rows by bitmap and sorting them look cheapest; no job of real size is read that way.
        cursor.execute("SET LOCAL enable_bitmapscan = off")

    with CaptureQueriesContext(connection) as queries:
        first = client.get(f"/api/v1/runs/{run.pk}/results/", {"page_size": 5}).json()
        client.get(first["next"])

    pages = [q["sql"] for q in queries.captured_queries if RESULTS in q["sql"] and "ORDER BY" in q["sql"]]
    assert len(pages) == 2  # the first page's ids, then the rest of the (only) job's
    for plan in map(plan_of, pages):
        assert "result_job_id" in plan, plan
        assert "Sort" not in plan, plan


@sqlite_only
def test_an_uploads_results_are_read_through_the_job_index(project):
    upload = landed(project)
    landed(project)

    with CaptureQueriesContext(connection) as queries:
        judged_in_upload(upload)
        analyse_upload(upload.pk)

    plans = result_plans(queries)
    assert plans
    assert all("result_job" in plan for _, plan in plans)
    assert [sql for sql, plan in plans if scans_results(sql, plan)] == []


def test_the_admin_lists_a_runs_results_through_its_jobs(project, admin_client):
    upload = landed(project)
    landed(project)
    run_page = admin_client.get(reverse("admin:runs_run_change", args=[upload.run_id]))
    link = reverse("admin:runs_testresult_changelist") + f"?run={upload.run_id}"
    assert link.encode() in run_page.content

    listed = admin_client.get(link)

    assert listed.status_code == 200
    assert {r.job_id for r in listed.context["cl"].result_list} == {upload.job_id}
    assert len(listed.context["cl"].result_list) == 4


def test_the_results_table_has_one_index_for_jobs_one_for_tests_and_two_that_only_failing_rows_pay_for():
    """Every index is paid per row at ingest; the partial ones (a job's and a test's failing rows) only
    by the few rows that failed."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, RESULTS)

    indexes = {name for name, c in constraints.items() if c["index"] and not c["primary_key"]}
    assert indexes == {"result_job_id", "result_segment_test", "result_test_failing", "result_job_failing"}


def test_the_history_index_leads_with_the_segment():
    """What keeps an upload's writes to it bounded: keyed by test first, each upload of a suite would
    write into every part of it (hub/runs/services/segments.py)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, RESULTS)

    assert constraints["result_segment_test"]["columns"] == ["segment", "test_id", "id"]


def history_plan(project) -> str:
    """The database's plan for one page of a test's history, as the API asks for it, in a project whose
    results span four segments."""
    Project.objects.filter(pk=project.pk).update(results_loaded=4 * segments.SEGMENT_RESULTS - 1)
    test = make_test(project, "test_spins")
    make_result(make_job(make_run(project)), test)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {history_reader(project)}")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("test-history", args=[test.pk])).status_code == 200
    [sql] = [q["sql"] for q in queries.captured_queries if RESULTS in q["sql"]]
    return plan_of(sql)


def history_reader(project) -> str:
    user = get_user_model().objects.create_user("reader")
    Membership.objects.create(project=project, user=user)
    return services.issue_api_token(user, read_only=True, name="plan")[1]


@sqlite_only
def test_a_tests_history_is_read_in_order_off_the_history_index_on_sqlite(project):
    plan = history_plan(project)

    assert "USING INDEX result_segment_test (segment=? AND test_id=?" in plan
    assert "TEMP B-TREE" not in plan


@postgresql_only
def test_a_tests_history_is_read_in_order_off_the_history_index_on_postgresql(project):
    plan_as_if_big()
    plan = history_plan(project)

    assert "result_segment_test" in plan
    assert "Sort" not in plan


@postgresql_only
def test_the_results_table_checks_no_foreign_key():
    """Each check costs ~4 us a row at commit; the test one was the last (hub/runs/models.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'", [RESULTS]
        )
        assert cursor.fetchall() == []
