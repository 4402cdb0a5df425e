"""The database's plan for a statement a test captured, on either database, and a way to plan as if the
tables were big (tests' tables are tiny, and PostgreSQL would rightly read them whole)."""

from __future__ import annotations

from django.db import connection


def plan_of(sql: str) -> str:
    """SQLite's ``EXPLAIN QUERY PLAN`` or PostgreSQL's ``EXPLAIN`` of ``sql``, one step a line."""
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql)
        return "\n".join(str(row[-1]) for row in cursor.fetchall())


def plan_as_if_big() -> None:
    """For the rest of the test's transaction, PostgreSQL plans with sequential scans priced out."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
