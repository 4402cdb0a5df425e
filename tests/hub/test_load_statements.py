"""How the loader's statements behave at their limits: rows per statement, keys per lookup, and the WAL
checkpoint a large SQLite upload leaves to a background thread."""

from __future__ import annotations

import sqlite3

import pytest
from django.db import connection

from hub.runs.models import Test, TestResult
from hub.runs.services import checkpoint
from tests.hub.conftest import case, report

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's host-parameter limit and WAL checkpoints"
)


@sqlite_only
@pytest.mark.django_db
def test_rows_are_split_across_statements_at_sqlites_host_parameter_limit(agent):
    connection.ensure_connection()
    raw = connection.connection
    limit = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 50)  # 4 result rows, or 7 new tests, a statement
    try:
        response = agent.post_report(report(*[case(f"t{i}") for i in range(101)]))
    finally:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
    assert response.status_code == 201, response.content
    assert (Test.objects.count(), TestResult.objects.count()) == (101, 101)


@pytest.mark.django_db
def test_tests_are_found_again_across_lookup_chunks(agent, monkeypatch):
    monkeypatch.setattr("hub.runs.services.test_ids.KEYS_PER_LOOKUP", 7)
    cases = [case(f"t{i}") for i in range(50)]
    agent.post_report(report(*cases, run_id="1"))
    agent.post_report(report(*cases, run_id="2"))
    assert Test.objects.count() == 50
    assert TestResult.objects.values("test_id").distinct().count() == 50


@pytest.mark.django_db
def test_new_tests_are_numbered_in_the_order_the_report_first_lists_them(agent):
    """Later loads read a batch's tests back as one range of ids (``test_ids.CommittedTests``)."""
    names = [f"test_{word}" for word in ("zeta", "alpha", "mu", "beta", "omega", "kappa")]

    agent.post_report(report(*[case(name) for name in [*names, names[0]]]))

    assert list(Test.objects.order_by("id").values_list("name", flat=True)) == names


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_large_upload_leaves_its_wal_checkpoint_to_a_background_thread(agent, monkeypatch):
    monkeypatch.setattr(checkpoint, "DEFERRED_ABOVE_BYTES", 1000)
    started = []
    original = checkpoint._checkpoint
    monkeypatch.setattr(
        checkpoint, "_checkpoint", lambda database: (started.append(database), original(database))
    )
    response = agent.post_report(report(*[case(f"t{i}") for i in range(200)]))
    assert response.status_code == 201, response.content
    with checkpoint._running:  # taken by the request, released when the background checkpoint ends
        pass
    assert started == [str(connection.settings_dict["NAME"])]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 1000  # the request's connection checkpoints as usual again
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        busy, frames, checkpointed = cursor.fetchone()
    assert (busy, frames - checkpointed) == (0, 0)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_small_upload_checkpoints_as_usual(agent, monkeypatch):
    started = []
    monkeypatch.setattr(checkpoint, "_checkpoint", started.append)
    assert agent.post_report(report(case("a"))).status_code == 201
    assert started == []
