"""Fast construction of ``TestCase`` on the hot path of a parse.

A frozen dataclass's ``__init__`` assigns every field through ``object.__setattr__``; for the commonest
case (a passing test with a few attributes) that alone costs more than parsing its XML. ``TestCase`` has
slots, so its fields are slot descriptors that can be filled directly: about twice as fast, and the same
object. ``simple_case`` takes that path only while the model has exactly the fields and defaults it was
written for (a test pins this); otherwise it is plain ``TestCase``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from agent.model import Status, TestCase

_WRITTEN_FOR = (
    ("name", dataclasses.MISSING),
    ("status", dataclasses.MISSING),
    ("classname", None),
    ("suite", None),
    ("file", None),
    ("line", None),
    ("duration", None),
    ("message", None),
    ("failure_type", None),
    ("trace", None),
    ("stdout", None),
    ("stderr", None),
    ("properties", ()),
    ("reruns", ()),
)


def _model_unchanged() -> bool:
    fields = tuple((f.name, f.default) for f in dataclasses.fields(TestCase))
    slots = getattr(TestCase, "__slots__", ())
    return (
        fields == _WRITTEN_FOR
        and tuple(slots) == tuple(name for name, _ in _WRITTEN_FOR)
        and not hasattr(TestCase, "__post_init__")
    )


def _slot_builder() -> Callable[..., TestCase]:
    (s_name, s_status, s_class, s_suite, s_file, s_line, s_duration, s_message, s_type, s_trace, s_out, s_err,
     s_props, s_reruns) = (getattr(TestCase, name).__set__ for name, _ in _WRITTEN_FOR)  # fmt: skip
    new = object.__new__

    def simple_case(
        name: str,
        status: Status,
        classname: str | None,
        suite: str | None,
        file: str | None,
        line: int | None,
        duration: float | None,
    ) -> TestCase:
        case = new(TestCase)
        s_name(case, name)
        s_status(case, status)
        s_class(case, classname)
        s_suite(case, suite)
        s_file(case, file)
        s_line(case, line)
        s_duration(case, duration)
        s_message(case, None)
        s_type(case, None)
        s_trace(case, None)
        s_out(case, None)
        s_err(case, None)
        s_props(case, ())
        s_reruns(case, ())
        return case

    return simple_case


FAST_PATH = _model_unchanged()
simple_case: Callable[..., TestCase] = _slot_builder() if FAST_PATH else TestCase
"""``simple_case(name, status, classname, suite, file, line, duration)``: a case with nothing else."""
