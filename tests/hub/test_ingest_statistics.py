"""A load that creates many tests refreshes the planner's statistics on them, however its batches fall;
the run tables' statistics are refreshed four times per doubling of the uploads while they are young.

Without them PostgreSQL plans a new project's test lookups as if it had none (its next uploads ran 10x
slower until autovacuum caught up), and an analysis' look-up of the previous upload as a scan of every
upload (75 ms instead of 0.1 at 380 uploads).
"""

from __future__ import annotations

import pytest
from django.db import connection

from hub.runs.models import Test, Upload
from hub.runs.services import statistics
from tests.hub.conftest import case, report

pytestmark = pytest.mark.django_db(transaction=True)
postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's pg_class")


def estimated(table: str = Test._meta.db_table) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def estimated_tests() -> float:
    return estimated(Test._meta.db_table)


@pytest.fixture
def statistics_of_an_empty_table():
    if connection.vendor != "postgresql":
        pytest.skip("reads PostgreSQL's pg_class")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Test._meta.db_table}")
    assert estimated_tests() == 0


@postgresql_only
def test_a_first_report_of_2000_new_tests_refreshes_the_statistics(agent, statistics_of_an_empty_table):
    response = agent.post_report(report(*[case(f"test_{i}") for i in range(2000)]))
    assert response.status_code == 201
    assert estimated_tests() == 2000


def test_the_run_tables_are_refreshed_four_times_per_doubling_of_the_uploads_from_the_64th():
    points = [n for n in range(1, 1025) if statistics.due(n)]
    assert points[:9] == [64, 80, 96, 112, 128, 160, 192, 224, 256]
    assert len([n for n in points if 256 <= n < 512]) == statistics.STEPS_PER_DOUBLING
    assert points[-1] == 1024


def test_past_a_million_uploads_the_run_tables_are_left_to_autovacuum():
    assert statistics.due(statistics.AUTOVACUUM_KEEPS_UP)
    assert not any(statistics.due(statistics.AUTOVACUUM_KEEPS_UP * 2 + n) for n in (0, 1 << 19))


@postgresql_only
def test_an_upload_at_a_growth_point_refreshes_the_run_tables_statistics(agent, monkeypatch):
    for number in range(3):
        assert agent.post_report(report(case("test_a"), run_id=str(number))).status_code == 201
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Upload._meta.db_table}")
    assert estimated(Upload._meta.db_table) == 3
    posted = []
    monkeypatch.setattr(statistics, "due", lambda upload_id: posted.append(upload_id) or True)

    response = agent.post_report(report(case("test_a"), run_id="4"))

    assert posted == [response.json()["upload"]]  # asked about the upload, once it committed
    assert estimated(Upload._meta.db_table) == 4


@postgresql_only
def test_an_upload_between_growth_points_leaves_the_statistics_to_autovacuum(agent):
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Upload._meta.db_table}")
    assert agent.post_report(report(case("test_a"))).status_code == 201

    assert not statistics.refresh_run_statistics(65)
    assert estimated(Upload._meta.db_table) == 0


def test_on_sqlite_nothing_is_refreshed():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite plans these look-ups by index whatever it knows")
    assert not statistics.refresh_run_statistics(64)
