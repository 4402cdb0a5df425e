"""Test identities in bulk: the id of every test of a batch, creating the tests that are new.

Most tests of a report ran yesterday, so ids are looked up first and only the missing tests inserted, in
the load's transaction (``upsert_tests``). A thread reading the report ahead finds committed tests on a
connection of its own (``CommittedTests``), reading a batch's tests back as one range of ids where it can.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

import msgspec
import psycopg
from django.db import connection

from hub.runs.models import Test
from hub.runs.services import sqlite_bulk

TEST_TABLE = Test._meta.db_table
TEST_COLUMNS = ("project_id", "key", "suite", "classname", "name", "file", "created_at")
TestRow = tuple[bytes, str, str, str, str]  # key, suite, classname, name, file
KEY_BYTES = 16  # agent.identity.test_key: a 128-bit BLAKE2b digest
KEYS_PER_LOOKUP = 512  # on SQLite, as sqlite_bulk.ROWS_PER_INSERT: fast, and a small statement
_decode_ints = msgspec.json.Decoder(list[int]).decode


def upsert_tests(
    project_id: int,
    keys: Sequence[bytes],
    describe: Callable[[int], TestRow],
    now: datetime,
    known: dict[bytes, int] | None = None,
) -> tuple[dict[bytes, int], int]:
    """Return the id of every key in ``keys`` and how many tests had to be created.

    ``describe(i)`` gives the test row of ``keys[i]``; it is called only for tests that do not exist yet:
    most tests of a report ran yesterday, so the keys are looked up first and only the missing ones
    inserted. ``known`` are ids already looked up (``CommittedTests``), which need no second look. A
    concurrent load of the same project cannot interleave (``load.lock_project``).
    """
    if not keys:
        return {}, 0
    ids = dict(known or {})
    unique = [key for key in dict.fromkeys(keys) if key not in ids]
    if not unique:
        return ids, 0
    postgresql = connection.vendor == "postgresql"
    ids.update(
        _test_ids_postgresql(connection.connection, project_id, unique)
        if postgresql
        else _test_ids_sqlite(connection.connection, project_id, unique)
    )
    first = {}
    for index, key in enumerate(keys):
        if key not in ids:
            first.setdefault(key, index)
    if not first:
        return ids, 0
    # In the order the report first lists them: later loads read a batch's tests back as one range of ids.
    missing = [describe(index) for index in first.values()]
    if postgresql:
        ids.update(_insert_tests_postgresql(project_id, missing, now))
    else:
        stamp = now.isoformat(sep=" ")
        sqlite_bulk.insert_rows(TEST_TABLE, TEST_COLUMNS, ((project_id, *row, stamp) for row in missing))
        ids.update(_test_ids_sqlite(connection.connection, project_id, [row[0] for row in missing]))
    return ids, len(missing)


class CommittedTests:
    """Looks up committed tests on a connection of its own, so that the thread reading a report can
    resolve its tests while the loading thread writes (``ingest``): the probes leave the writer's path.

    It sees only committed tests: ones the load created itself are not there, and ``upsert_tests`` looks
    up whatever it did not find. On SQLite it reads the last committed snapshot of the WAL beside the
    writer; on PostgreSQL it is an autocommit session. ``opener`` is called in the loading thread (it
    reads that thread's connection settings); the connection opens and closes in the reading thread.
    """

    def __init__(self, connect: Callable[[], Any], vendor: str) -> None:
        self._connect = connect
        self._vendor = vendor
        self._raw: Any = None

    @classmethod
    def opener(cls) -> CommittedTests | None:
        """None where a second connection cannot help: an in-memory SQLite database (it would wait on
        the writer's table locks)."""
        if connection.vendor == "postgresql":
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            params.pop("context", None)
            return cls(lambda: psycopg.connect(**params, autocommit=True), "postgresql")
        if connection.vendor == "sqlite" and not connection.is_in_memory_db():
            database = str(connection.settings_dict["NAME"])
            return cls(lambda: sqlite3.connect(database, timeout=30), "sqlite")
        return None

    def ids(self, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
        if self._raw is None:
            self._raw = self._connect()
            if self._vendor == "sqlite":
                self._raw.execute("PRAGMA query_only = 1")
        unique = list(dict.fromkeys(keys))
        postgresql = self._vendor == "postgresql"
        nearby = (_nearby_tests_postgresql if postgresql else _nearby_tests_sqlite)(
            self._raw, project_id, unique
        )
        ids = {key: nearby[key] for key in unique if key in nearby}
        if len(ids) < len(unique):
            probe = _test_ids_postgresql if postgresql else _test_ids_sqlite
            ids.update(probe(self._raw, project_id, [key for key in unique if key not in ids]))
        return ids

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None


# A suite's tests come in the order they were first reported, and their ids were given in that order: a
# batch's tests mostly sit in one run of ids. One probe finds where that run starts, one range read of
# the primary key brings the run back (a fraction of the cost of a probe per test); the tests it misses
# (reordered, or added since) are probed one by one.
_ANCHORS = 3  # first keys of a batch probed to find where its run of ids starts


def _span(keys: list[bytes]) -> int:
    return len(keys) + len(keys) // 4 + 64


def _nearby_tests_sqlite(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    anchors = keys[:_ANCHORS]
    marks = ",".join("?" * len(anchors))
    cursor = raw_connection.cursor()
    try:
        cursor.execute(
            f"WITH anchor(first) AS (SELECT min(id) FROM {TEST_TABLE} "
            f"  WHERE project_id = ? AND key IN ({marks})) "
            "SELECT json_group_array(id), group_concat(hex(key), '') FROM ("
            # "+": read the primary key's range, not the project's whole (project, key) index
            f"  SELECT t.id, t.key FROM {TEST_TABLE} t WHERE +t.project_id = ? "
            "   AND t.id BETWEEN (SELECT first FROM anchor) AND (SELECT first FROM anchor) + ?"
            ")",
            [project_id, *anchors, project_id, _span(keys)],
        )
        found, hexed = cursor.fetchone()
    finally:
        cursor.close()
    return _pairs(_decode_ints(found), bytes.fromhex(hexed or ""))


def _nearby_tests_postgresql(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    with psycopg.Cursor(raw_connection) as cursor:
        cursor.execute(
            f"WITH anchor AS (SELECT min(id) AS first FROM {TEST_TABLE} "
            "  WHERE project_id = %s AND key = ANY(%b)) "
            f"SELECT t.key, t.id FROM {TEST_TABLE} t, anchor WHERE t.project_id = %s "
            "AND t.id BETWEEN anchor.first AND anchor.first + %s",
            [project_id, keys[:_ANCHORS], project_id, _span(keys)],
            binary=True,
        )
        return dict(cursor.fetchall())


def _pairs(ids: list[int], keys: bytes) -> dict[bytes, int]:
    if len(keys) != KEY_BYTES * len(ids):
        return {}  # not the keys this code writes: let the probes decide
    return {keys[n * KEY_BYTES : (n + 1) * KEY_BYTES]: test_id for n, test_id in enumerate(ids)}


def _test_ids_sqlite(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    """One statement and one result row per chunk: positions and ids as two aligned JSON arrays (a row
    per test would cost more than the index probes themselves)."""
    ids: dict[bytes, int] = {}
    raw = raw_connection.cursor()
    try:
        largest = min(KEYS_PER_LOOKUP, raw_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) - 1)
        for chunk in sqlite_bulk.statement_chunks(keys, largest):
            raw.execute(_lookup_sql(len(chunk)), [*chunk, project_id])
            positions, found = raw.fetchone()
            ids.update(zip(map(chunk.__getitem__, _decode_ints(positions)), _decode_ints(found), strict=True))
    finally:
        raw.close()
    return ids


@cache
def _lookup_sql(size: int) -> str:
    values = ",".join(f"({n},?)" for n in range(size))
    return (
        f"WITH wanted(n, key) AS (VALUES {values}) "
        f"SELECT json_group_array(wanted.n), json_group_array(t.id) FROM wanted "
        f"JOIN {TEST_TABLE} t ON t.project_id = ? AND t.key = wanted.key"
    )


def _joined(keys: list[bytes]) -> bytes:
    blob = b"".join(keys)
    if len(blob) != KEY_BYTES * len(keys):
        raise ValueError(f"test keys must be {KEY_BYTES} bytes (agent.identity.test_key)")
    return blob


def _test_ids_postgresql(raw_connection, project_id: int, keys: list[bytes]) -> dict[bytes, int]:
    """The keys travel as one binary blob cut apart by the server (psycopg dumps an array element by
    element in Python). The scalar subquery is one index probe per key, whatever the planner would
    estimate for a join."""
    with psycopg.Cursor(raw_connection) as cursor:
        cursor.execute(
            f"SELECT n, (SELECT t.id FROM {TEST_TABLE} t WHERE t.project_id = %s "
            f"  AND t.key = substring(%b FROM n * {KEY_BYTES} + 1 FOR {KEY_BYTES})) "
            "FROM generate_series(0, %s - 1) AS n",
            [project_id, _joined(keys), len(keys)],
            binary=True,
        )
        return {keys[n]: test_id for n, test_id in cursor.fetchall() if test_id is not None}


def _insert_tests_postgresql(project_id: int, missing: list[TestRow], now: datetime) -> dict[bytes, int]:
    columns = [list(column) for column in zip(*missing, strict=True)]
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(
            f"INSERT INTO {TEST_TABLE} ({', '.join(TEST_COLUMNS)}) "
            "SELECT %s, *, %s FROM unnest(%b, %b::text[], %b::text[], %b::text[], %b::text[]) "
            "RETURNING key, id",
            [project_id, now, *columns],
            binary=True,
        )
        return dict(cursor.fetchall())
