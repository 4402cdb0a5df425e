"""Path globs, as the fixer's allowlist and the merge rules read them."""

from __future__ import annotations

import pytest

from agent import globs


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("src/a.py", "src/*.py", True),
        ("src/sub/a.py", "src/*.py", False),
        ("src/sub/a.py", "src/**", True),
        ("tests/unit/test_a.py", "**/test_*.py", True),
        ("test_a.py", "**/test_*.py", True),
        ("a.pyc", "a.py?", True),
        ("pyproject.toml", "pyproject.toml", True),
        ("sub/pyproject.toml", "pyproject.toml", False),
        ("docs/fixer/github.yml", "docs/", True),
        ("src/docs/a.md", "docs/", False),
        ("a+b.txt", "a+b.txt", True),
    ],
)
def test_a_path_matches_a_glob_as_the_fixer_and_the_merge_rules_read_it(path, pattern, expected):
    assert globs.matches(path, pattern) is expected
