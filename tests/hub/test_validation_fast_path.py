"""The fast case check never accepts what the published schema rejects (a differential test)."""

from __future__ import annotations

import copy
import random

import jsonschema
import pytest

from agent.document import load_schema
from hub.runs.services.errors import InvalidDocument
from hub.runs.services.validation import _plainly_valid, validate_case

SCHEMA = load_schema()
CASE_SCHEMA = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/case"}
VALIDATOR = jsonschema.Draft202012Validator(CASE_SCHEMA)

VALID = {
    "name": "test_x",
    "classname": "tests.T",
    "suite": "s",
    "file": "t.py",
    "line": 3,
    "status": "failed",
    "duration": 0.5,
    "message": "m",
    "type": "AssertionError",
    "trace": "t",
    "stdout": "o",
    "stderr": "e",
    "properties": [["k", "v"]],
    "reruns": [{"status": "failed", "duration": 0.1, "message": "m", "type": "E", "trace": "t"}],
}
ODD_VALUES = [
    None,
    True,
    False,
    0,
    -1,
    1.5,
    -0.5,
    2**40,
    "",
    "x",
    "y" * 1001,
    "z" * 4097,
    [],
    [1],
    [["a"]],
    [["a", "b"]],
    [["a", 1]],
    {},
    {"status": "passed"},
    {"status": "bad"},
    "passed",
    "skipped",
]


def mutations(seed: int, count: int):
    rng = random.Random(seed)
    keys = [*VALID, "colour"]
    for _ in range(count):
        case = copy.deepcopy(VALID)
        for _ in range(rng.randint(1, 3)):
            key = rng.choice(keys)
            roll = rng.random()
            if roll < 0.2:
                case.pop(key, None)
            elif (
                roll < 0.3
                and isinstance(case.get("reruns"), list)
                and isinstance(case["reruns"][:1] and case["reruns"][0], dict)
            ):
                case["reruns"][0][rng.choice(["status", "duration", "message", "type", "trace", "x"])] = (
                    rng.choice(ODD_VALUES)
                )
            else:
                case[key] = rng.choice(ODD_VALUES)
        yield case


def test_a_complete_valid_case_takes_the_fast_path():
    assert _plainly_valid(VALID)
    assert VALIDATOR.is_valid(VALID)


@pytest.mark.parametrize("seed", range(4))
def test_the_fast_check_never_accepts_a_case_the_schema_rejects(seed):
    accepted = 0
    for case in mutations(seed, 2500):
        if _plainly_valid(case):
            accepted += 1
            assert VALIDATOR.is_valid(case), case
    assert accepted > 100  # the mutations exercise the fast path, not only the fallback


@pytest.mark.parametrize("seed", range(2))
def test_validate_case_agrees_with_the_schema_on_every_case(seed):
    for case in mutations(100 + seed, 1500):
        try:
            validate_case(case, 0)
            ours = True
        except InvalidDocument:
            ours = False
        assert ours == VALIDATOR.is_valid(case), case
