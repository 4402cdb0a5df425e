"""A load that creates many tests refreshes the planner's statistics on them, however its batches fall.

Without them PostgreSQL plans a new project's test lookups as if it had none: its next uploads ran 10x
slower until autovacuum caught up.
"""

from __future__ import annotations

import pytest
from django.db import connection

from hub.runs.models import Test
from tests.hub.conftest import case, report

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's pg_class"),
]


def estimated_tests() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Test._meta.db_table])
        return cursor.fetchone()[0]


@pytest.fixture
def statistics_of_an_empty_table():
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Test._meta.db_table}")
    assert estimated_tests() == 0


def test_a_first_report_of_2000_new_tests_refreshes_the_statistics(agent, statistics_of_an_empty_table):
    response = agent.post_report(report(*[case(f"test_{i}") for i in range(2000)]))
    assert response.status_code == 201
    assert estimated_tests() == 2000
