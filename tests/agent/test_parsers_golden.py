"""Golden files: each input in ``tests/golden/<format>/`` parses to exactly its ``.expected.json``.

To accept a deliberate change, run ``python tests/golden/regenerate.py`` and review the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.golden.regenerate import GOLDEN, expected_path, inputs, render

CASES = inputs()


def test_there_is_a_golden_input_for_every_format() -> None:
    from agent.parsers import COVERAGE_FORMATS, REPORT_FORMATS

    assert {path.parent.name for path in CASES} == {*REPORT_FORMATS, *COVERAGE_FORMATS}


@pytest.mark.parametrize("source", CASES, ids=[str(p.relative_to(GOLDEN)) for p in CASES])
def test_it_parses_the_golden_input_to_its_expected_output(source: Path) -> None:
    expected = json.loads(expected_path(source).read_text("utf-8"))

    assert render(source) == expected


@pytest.mark.parametrize("source", CASES, ids=[str(p.relative_to(GOLDEN)) for p in CASES])
def test_it_sniffs_the_golden_input_as_its_directorys_format(source: Path) -> None:
    assert render(source)["format"] == source.parent.name
