"""Fast construction of ``TestCase`` on the hot path of a parse.

For the commonest case (a passing test with a few attributes) building the value used to cost more than
parsing its XML. ``TestCase`` is a named tuple, so ``simple_case`` builds it straight from a tuple of all
its fields, skipping the keyword handling of its constructor: the same value, several times cheaper. The
field order it writes is pinned by a test against the model.
"""

from __future__ import annotations

from agent.model import Status, TestCase

_new = tuple.__new__


def simple_case(
    name: str,
    status: Status,
    classname: str | None,
    suite: str | None,
    file: str | None,
    line: int | None,
    duration: float | None,
) -> TestCase:
    """A case with nothing but these fields (no message, output, properties or reruns)."""
    return _new(
        TestCase, (name, status, classname, suite, file, line, duration, None, None, None, None, None, (), ())
    )
