"""Calls made at the same moment from threads, each on its own database connection, as workers do."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from django.db import connection


def at_once(target: Callable, args_list: Sequence[tuple]) -> list[BaseException]:
    """Call ``target(*args)`` for each of ``args_list`` in its own thread, all released together by a
    barrier; return what they raised."""
    barrier = threading.Barrier(len(args_list))
    errors: list[BaseException] = []

    def run(*args) -> None:
        try:
            barrier.wait()
            target(*args)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in args_list]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors
