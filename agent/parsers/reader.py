"""``ReportReader``: what ``read_report`` returns, the same for every format.

A reader knows its file and format up front (both were checked when it was made) and yields test cases
lazily. Iterating again starts over: the file is re-opened and re-read, and ``suites`` counts afresh, so
a caller may count first and upload second without holding the cases in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.model import TestCase


class ReportReader:
    """A test report file of a known format, read lazily. Subclasses implement ``_cases``.

    ``suites`` is the number of suite elements seen so far by the current iteration (final once it ends).
    Iteration may raise ``agent.model.ReportParseError`` midway (a truncated file, say), after yielding
    the cases read before the damage.
    """

    format: str = ""

    def __init__(self, path: str) -> None:
        self.path = path
        self.suites = 0

    def __iter__(self) -> Iterator[TestCase]:
        self.suites = 0
        return self._cases()

    def _cases(self) -> Iterator[TestCase]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.format} {self.path!r}>"
