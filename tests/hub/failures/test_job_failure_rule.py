"""Which answer a failed job keeps when its tests and its log both categorise it: the tests' wins, and an
``unknown`` never replaces a known category."""

from __future__ import annotations

import pytest

from hub.failures.services.job_failure import replaces


@pytest.mark.parametrize(
    ("current", "new", "replaced"),
    [
        (("log", "dependency"), ("tests", "assertion"), True),
        (("log", "dependency"), ("tests", "unknown"), False),
        (("log", "unknown"), ("tests", "unknown"), True),
        (("tests", "assertion"), ("log", "dependency"), False),
        (("tests", "unknown"), ("log", "dependency"), True),
        (("tests", "assertion"), ("log", "unknown"), False),
        (("tests", "assertion"), ("tests", "timeout"), True),
        (("tests", "assertion"), ("tests", "unknown"), False),
    ],
)
def test_a_tests_category_wins_over_the_logs_and_unknown_never_replaces_a_known_one(current, new, replaced):
    assert replaces(*current, *new) is replaced
