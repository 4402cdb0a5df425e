"""Admin lists stay fast on big tables: they never COUNT(*) a whole table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hub.runs.admin import CappedCountPaginator
from hub.runs.models import TestResult

pytestmark = pytest.mark.django_db


def unbounded_counts(admin_client, url: str, params=None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, params or {})
    assert response.status_code == 200
    sql = [query["sql"].upper() for query in queries.captured_queries]
    return [statement for statement in sql if "COUNT(" in statement and "LIMIT" not in statement]


@pytest.mark.parametrize(
    "params", [{}, {"status__exact": "failed"}, {"final__exact": "1"}], ids=["all", "status", "final"]
)
def test_the_result_changelist_never_counts_the_whole_table(admin_client, failing_run, params):
    assert unbounded_counts(admin_client, reverse("admin:runs_testresult_changelist"), params) == []


@pytest.mark.parametrize("name", ["runs_run", "runs_test", "runs_upload"])
def test_other_big_changelists_never_count_the_whole_table(admin_client, failing_run, name):
    assert unbounded_counts(admin_client, reverse(f"admin:{name}_changelist")) == []


def test_the_paginator_stops_counting_at_its_cap(failing_run):
    class SmallCap(CappedCountPaginator):
        cap = 2

    assert SmallCap(TestResult.objects.order_by("id"), per_page=1).count == 2
