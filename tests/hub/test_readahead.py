"""The read-ahead thread that reads a report while its batches are written."""

from __future__ import annotations

import threading
import time

import pytest

from hub.runs.services.readahead import ReadAhead


def test_items_arrive_in_order():
    with ReadAhead(range(100), depth=3) as items:
        assert list(items) == list(range(100))


def test_an_error_in_the_source_is_raised_in_the_consumer_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("cases[2] is broken")

    received = []
    with ReadAhead(source()) as items:
        received.append(next(items))
        received.append(next(items))
        with pytest.raises(ValueError, match=r"cases\[2\]"):
            next(items)
    assert received == [1, 2]


def test_a_consumer_that_stops_early_stops_the_source_and_its_thread():
    closed = threading.Event()

    def source():
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    reader = ReadAhead(source(), depth=2)
    with reader as items:
        assert next(items) == 0
    assert closed.is_set()
    assert not reader._thread.is_alive()


def test_the_source_runs_at_most_depth_items_ahead():
    produced = []

    def source():
        for n in range(1000):
            produced.append(n)
            yield n

    with ReadAhead(source(), depth=2) as items:
        assert next(items) == 0
        time.sleep(0.2)
        # one consumed, two queued, one more held by the producer waiting for room
        assert len(produced) <= 4
