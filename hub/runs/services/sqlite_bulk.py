"""Bulk statements on SQLite that do a whole chunk in one step.

Python's sqlite3 runs each ``sqlite3_step`` without the GIL. ``executemany`` steps once per row and takes
the GIL back between rows: while a report is read in another thread (``ingest``), each row would wait out
the interpreter's 5 ms switch interval (measured: 100k rows beside a busy thread did not finish in 500 s).
A multi-row ``INSERT ... VALUES`` runs a chunk of rows in one step, and a lookup shaped to answer in one
row (``test_ids``) likewise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from functools import cache
from itertools import islice
from typing import TypeVar

from django.db import connection

T = TypeVar("T")
# Rows per INSERT: from about 128 rows a statement runs as fast as 2,730 (the host-parameter limit); 256
# also keeps the GIL hand-overs few while another thread reads the report, and the statement (and the
# worker's memory: measured flat from 10k- to 500k-case reports) small.
ROWS_PER_INSERT = 256


def insert_rows(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Append ``rows``, up to ``ROWS_PER_INSERT`` a statement (within SQLite's host-parameter limit)."""
    per_statement = max(1, min(ROWS_PER_INSERT, parameter_limit() // len(columns)))
    rows = iter(rows)
    raw = connection.connection.cursor()
    try:
        while batch := list(islice(rows, per_statement)):
            for chunk in statement_chunks(batch, per_statement):
                raw.execute(
                    _insert_sql(table, columns, len(chunk)), [value for row in chunk for value in row]
                )
    finally:
        raw.close()


@cache
def _insert_sql(table: str, columns: tuple[str, ...], rows: int) -> str:
    one = "(" + ",".join("?" * len(columns)) + ")"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES " + ",".join([one] * rows)


def parameter_limit() -> int:
    return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def statement_chunks(items: list[T], largest: int) -> Iterator[list[T]]:
    """``items`` cut into chunks of ``largest``, the rest into powers of two: SQLite keeps every distinct
    statement text it compiles (Python's statement cache, 128 of them, each up to a few hundred KB), so
    the sizes a statement can have are kept to a dozen whatever the batch sizes."""
    start = 0
    while len(items) - start >= largest:
        yield items[start : start + largest]
        start += largest
    size = 1 << (largest.bit_length() - 1)
    while start < len(items):
        while size > len(items) - start:
            size >>= 1
        yield items[start : start + size]
        start += size
