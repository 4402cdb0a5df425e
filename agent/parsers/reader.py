"""``ReportReader``: what ``read_report`` returns, the same for every format.

A reader knows its file and format up front (both were checked when it was made) and yields test cases
lazily. Iterating again starts over: the file is re-opened and re-read, and ``suites`` and ``declared``
are found afresh, so a caller may count first and upload second without holding the cases in memory.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.model import TestCase
from agent.parsers.totals import Declared


class ReportReader:
    """A test report file of a known format, read lazily. Subclasses implement ``_cases``.

    ``suites`` is the number of suite elements seen so far by the current iteration (final once it ends).
    Iteration may raise ``agent.model.ReportParseError`` midway (a truncated file, say), after yielding
    the cases read before the damage. ``declared`` is what the file's header says it holds, in the
    vocabulary of ``agent.parsers.totals`` (None when the format or the file declares nothing), known
    once iteration ends.
    """

    format: str = ""

    def __init__(self, path: str) -> None:
        self.path = path
        self.suites = 0
        self.declared: Declared | None = None

    def __iter__(self) -> Iterator[TestCase]:
        self.suites = 0
        self.declared = None
        return self._cases()

    def _cases(self) -> Iterator[TestCase]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.format} {self.path!r}>"
