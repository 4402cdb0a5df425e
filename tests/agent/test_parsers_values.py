"""The small conversions behind every parser: durations and bounded text."""

from __future__ import annotations

import pytest

from agent.model import Status, TestCase, clip
from agent.parsers._build import simple_case
from agent.parsers._values import BoundedText, seconds


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.5", 1.5),
        ("0", 0.0),
        ("1,234.5", 1234.5),
        ("12,345,678", 12345678.0),
        ("1,5", 1.5),
        ("2.5s", 2.5),
        ("00:01:02.5", 62.5),
        ("1.00:00:01", 86401.0),
        (" 3 ", 3.0),
        (None, None),
        ("", None),
        ("fast", None),
        ("-1", None),
        ("nan", None),
        ("inf", None),
    ],
)
def test_it_reads_durations_leniently(text, expected) -> None:
    assert seconds(text) == expected


@pytest.mark.parametrize("size", [0, 10, 99, 100, 101, 1_000, 50_000])
def test_bounded_text_matches_the_models_clip(size) -> None:
    text = ("abcdefghij" * (size // 10 + 1))[:size]
    bounded = BoundedText(100)
    for start in range(0, size, 7):
        bounded.add(text[start : start + 7])

    assert bounded.value() == (clip(text, 100) if text else None)


def test_the_fast_case_builder_writes_the_fields_in_the_models_order() -> None:
    built = simple_case("t", Status.PASSED, "C", "S", "f.py", 3, 0.5)

    assert built._asdict() == {
        **TestCase._field_defaults,
        "name": "t",
        "status": Status.PASSED,
        "classname": "C",
        "suite": "S",
        "file": "f.py",
        "line": 3,
        "duration": 0.5,
    }


def test_the_fast_case_builder_makes_the_same_case_as_the_constructor() -> None:
    built = simple_case("t", Status.PASSED, "C", "S", "f.py", 3, 0.5)

    assert built == TestCase("t", Status.PASSED, "C", "S", "f.py", 3, 0.5)
    assert type(built) is TestCase
    assert hash(built) == hash(TestCase("t", Status.PASSED, "C", "S", "f.py", 3, 0.5))
