"""The pages that grow with a run or a cluster read what they show off an index made for it, in a number
of queries that does not grow with them (issue 16: every page under 150 ms p95 with 1M results stored;
``benchmarks/dashboard.py`` measures the time, these tests pin its causes without timing anything).

Plans are read on either database; PostgreSQL plans the tests' tiny tables as if they were big
(``plan_as_if_big``), where it would rightly read them whole."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.failures.models import FailureCluster
from hub.projects.models import AgentToken, Project
from hub.runs.models import Run
from tests.hub.conftest import Agent, case, report
from tests.hub.dashboard.conftest import land
from tests.hub.plans import plan_as_if_big, plan_of

pytestmark = pytest.mark.django_db


def failing_run(project: Project, run_id: str, failing: int, passing: int = 0) -> Run:
    """A run of ``failing`` failed tests (one message, masked to one cluster) and ``passing`` passed."""
    agent = Agent(AgentToken.issue(project=project, name=run_id)[1])
    cases = [case(f"test_fails_{n:04d}", "failed", message=f"assert {n} == 0") for n in range(failing)]
    cases += [case(f"test_passes_{n:04d}") for n in range(passing)]
    return land(agent, report(*cases, run_id=run_id, status="completed", conclusion="failure")).run


def statements_of(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def plan_of_the_one(statements: list[str], *markers: str) -> str:
    """The plan of the single statement holding every one of ``markers``."""
    found = [sql for sql in statements if all(marker in sql for marker in markers)]
    assert len(found) == 1, found
    if connection.vendor == "postgresql":
        plan_as_if_big()
        with connection.cursor() as cursor:
            # A bitmap scan then a sort suits a table of a few rows; with a big one's statistics
            # PostgreSQL walks the index in order and stops at the LIMIT (benchmarks/dashboard.py's plans).
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    return plan_of(found[0])


def test_a_runs_page_reads_as_many_queries_for_300_failures_as_for_60(client, project, teammate):
    small, large = failing_run(project, "small", 60), failing_run(project, "large", 300)
    client.force_login(teammate)

    assert len(statements_of(client, f"/runs/{large.pk}/")) == len(
        statements_of(client, f"/runs/{small.pk}/")
    )


def test_a_failures_earlier_attempts_are_counted_with_its_last(client, project, teammate):
    """A failure numbered 1 is read with no attempts query; one retried reads its earlier attempts."""
    agent = Agent(AgentToken.issue(project=project, name="ci")[1])
    rerun = {"status": "failed", "message": "first try: connection reset"}
    retried = case("test_pay", "failed", message="second try: boom", reruns=[rerun])
    run = land(agent, report(retried, case("test_once", "failed", message="only try"), run_id="r1")).run
    client.force_login(teammate)

    page = client.get(f"/runs/{run.pk}/").content.decode()

    assert page.count("tries, all failed") == 1
    assert "(2 tries, all failed)" in page
    assert "second try: boom" in page
    assert "only try" in page


def test_a_runs_failing_tests_are_paged_off_the_failing_rows_only(client, project, teammate):
    run = failing_run(project, "r1", 3, passing=20)
    client.force_login(teammate)

    statements = statements_of(client, f"/runs/{run.pk}/")

    assert "result_job_failing" in plan_of_the_one(statements, "runs_testresult", "LIMIT 51")


def test_a_runs_largest_clusters_are_counted_off_the_run_cluster_index(client, project, teammate):
    run = failing_run(project, "r1", 5)
    client.force_login(teammate)

    statements = statements_of(client, f"/runs/{run.pk}/")

    assert "failure_run_cluster" in plan_of_the_one(statements, "COUNT(", "failures_failure", "GROUP BY")


def test_a_clusters_members_are_read_most_recent_first_off_their_index_without_a_sort(
    client, project, teammate
):
    failing_run(project, "r1", 60)
    cluster = FailureCluster.objects.get(project=project)
    client.force_login(teammate)

    plan = plan_of_the_one(statements_of(client, f"/clusters/{cluster.pk}/"), 'FROM "failures_clustertest"')

    assert "clustertest_cluster_recent" in plan
    assert "TEMP B-TREE" not in plan
    assert "Sort" not in plan


def test_a_clusters_latest_failures_and_sparkline_are_read_off_its_day_index(client, project, teammate):
    failing_run(project, "r1", 30)
    cluster = FailureCluster.objects.get(project=project)
    client.force_login(teammate)

    statements = statements_of(client, f"/clusters/{cluster.pk}/")

    assert "failure_cluster_day" in plan_of_the_one(statements, 'FROM "failures_failure"', "LIMIT 20")
    assert "failure_cluster_day" in plan_of_the_one(statements, 'FROM "failures_failure"', "GROUP BY")


def test_a_clusters_page_reads_as_many_queries_for_300_tests_as_for_30(client, project, teammate):
    failing_run(project, "r1", 30)
    cluster = FailureCluster.objects.get(project=project)
    client.force_login(teammate)
    small = len(statements_of(client, f"/clusters/{cluster.pk}/"))

    failing_run(project, "r2", 300)

    assert len(statements_of(client, f"/clusters/{cluster.pk}/")) == small


def test_a_failures_text_and_its_cluster_are_redacted_on_the_run_and_cluster_pages(client, project, teammate):
    agent = Agent(AgentToken.issue(project=project, name="ci")[1])
    secret = "ghp_" + "a1B2c3D4e5F6g7H8i9J0"
    leaky = case("test_clone", "failed", message=f"clone failed with {secret}", trace=f"token={secret}")
    run = land(agent, report(leaky, run_id="r1")).run
    client.force_login(teammate)

    cluster = FailureCluster.objects.get(project=project)
    pages = [
        client.get(path).content.decode()
        for path in (f"/runs/{run.pk}/", "/clusters/", f"/clusters/{cluster.pk}/")
    ]

    assert [secret in page for page in pages] == [False, False, False]
    assert ["ghp_[REDACTED]" in page for page in pages] == [True, True, True]
