"""The msgspec case decoder never accepts what the schema refuses, and reads what the slow path reads.

Each generated case is raw JSON text (so it can carry duplicate keys, escapes and odd numbers). Whatever
``decode_cases`` accepts must also pass the slow path (ijson + the schema: ``documents.iter_cases``) and
the published schema through ``jsonschema``, with every value identical, type included, to what the slow
path and ``json.loads`` read. Refusing is allowed; a few tests pin down that it stays rare.
"""

from __future__ import annotations

import io
import json
import math
import random
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
import pytest

from agent.document import case_to_json, load_schema
from agent.model import ReportParseError
from agent.parsers import read_report
from hub.runs.services.cases import INT64_MAX, Case, Rerun, case_from_json, decode_cases
from hub.runs.services.documents import iter_cases
from hub.runs.services.errors import InvalidDocument, MalformedBody

SCHEMA = load_schema()
VALIDATOR = jsonschema.Draft202012Validator({"$defs": SCHEMA["$defs"], "$ref": "#/$defs/case"})
JUNIT = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "junit"  # beside the repository

CASE_DEFAULTS = {field: None for field in Case.__struct_fields__} | {"properties": [], "reruns": []}
RERUN_DEFAULTS = dict.fromkeys(Rerun.__struct_fields__)


def raw(value: Any, *, ascii: bool = False) -> bytes:
    return json.dumps(value, ensure_ascii=ascii).encode()


def obj(pairs: list[tuple[str, bytes]]) -> bytes:
    """A JSON object from (key, raw value) pairs, in order, duplicates kept."""
    return b"{" + b",".join(raw(key) + b":" + value for key, value in pairs) + b"}"


RERUN = [
    ("status", b'"failed"'),
    ("duration", b"0.25"),
    ("message", b'"boom"'),
    ("type", b'"AssertionError"'),
    ("trace", b'"at x"'),
]
FULL = [
    ("name", b'"test_x[1]"'),
    ("classname", b'"tests.T"'),
    ("suite", b'"s"'),
    ("file", b'"t.py"'),
    ("line", b"3"),
    ("status", b'"failed"'),
    ("duration", b"0.5"),
    ("message", b'"m"'),
    ("type", b'"AssertionError"'),
    ("trace", b'"t"'),
    ("stdout", b'"o"'),
    ("stderr", b'"e"'),
    ("properties", b'[["k","v"]]'),
    ("reruns", b"[" + obj(RERUN) + b"]"),
]
MINIMAL = [("name", b'"t"'), ("status", b'"passed"')]


def replaced(pairs: list[tuple[str, bytes]], key: str, value: bytes | None) -> list[tuple[str, bytes]]:
    """``pairs`` with ``key`` set to ``value`` (appended when absent), or removed when ``value`` is None."""
    kept = [(k, v) for k, v in pairs if k != key]
    if value is None:
        return kept
    at = next((i for i, (k, _) in enumerate(pairs) if k == key), len(kept))
    return [*kept[:at], (key, value), *kept[at:]]


WRONG_TYPES = [b"null", b"true", b"false", b"0", b"1", b"1.5", b'""', b'"x"', b"[]", b"{}", b'["a"]']
NUMBERS = [
    *(b"-1", b"-0.5", b"-1e-300", b"0", b"-0", b"0.0", b"-0.0", b"3", b"3.0", b"3.5", b"1e2", b"1E2"),
    *(b"1.5e+3", b"2.5E-3", b"0.1e-400", b"5e-324", b"2.4e-324", b"1.7976931348623157e308"),
    *(b"1.7976931348623159e308", b"1e308", b"1e309", b"1e400", b"-1e400", b"9223372036854775807"),
    *(b"9223372036854775808", b"18446744073709551616", b"100000000000000000000000000000"),
    *(b"0.1000000000000000055511151231257827021181583404541015625", b"123456789012345678901234567890.5"),
    *(b"1.00000000000000011102230246251565404236316680908203125", b"true", b'"5"', b"NaN", b"Infinity"),
    *(b"01", b".5", b"1.", b"+1", b"0x10", b"1e", b"--1"),
]  # fmt: skip
STATUSES = [b'"passed"', b'"failed"', b'"error"', b'"skipped"', b'"Passed"', b'"flaky"', b'""', b"null", b"1"]


def strings(limit: int, *, minimum: int = 0) -> list[bytes]:
    """Strings at, and one past, ``limit`` and ``minimum``: plain, astral (one code point, two UTF-16
    units) raw and escaped, and with escapes that decode to one character each."""
    out = []
    for n in {limit, limit + 1, max(minimum - 1, 0), minimum}:
        out += [
            raw("a" * n),
            raw("\U0001f600" * n),
            raw("\U0001f600" * n, ascii=True),
            raw("é" * n, ascii=True),
        ]
        if n:
            out += [raw("a" * (n - 1) + "\U0001f600", ascii=True), raw("\n" * n), raw("\x00" * n)]
    return out


ODD_STRINGS = [
    *(b'"\\ud800"', b'"\\udc00"', b'"\\ude00\\ud83d"', b'"\\ud83d\\u0041"', b'"\\ud83d"'),
    *(b'"a\\ud83d\\ude00"', b'"\\/"', b'"\\u00e9"', b'"\\uffff"', b'"\\u2028"', b'"\xe2\x80\xa8"', b'"\x7f"'),
    *(b'"\xf4\x8f\xbf\xbf"', b'"\xff"', b'"\xc0\x80"', b'"\xed\xa0\x80"', b'"\xf4\x90\x80\x80"'),
    *(b'"\xe2\x82"', b'"a\x01"', b'"\t"'),
    *(b'"\\x41"', b'"\\u00"', b"'a'", b'"unterminated'),
]  # fmt: skip
TEXT_FIELDS = {
    "classname": 1000, "suite": 1000, "type": 1000, "file": 4096,
    "message": 1_000_000, "trace": 1_000_000, "stdout": 1_000_000, "stderr": 1_000_000,
}  # fmt: skip
RERUN_TEXT_FIELDS = {"message": 1_000_000, "type": 1000, "trace": 1_000_000}
PROPERTIES = [
    *(b"[]", b"null", b"{}", b'{"k":"v"}', b'[["a","b"]]', b'[["a"]]', b'[["a","b","c"]]', b"[[]]"),
    b'[["a",1]]',
    *(b'[[null,"b"]]', b"[null]", b'["ab"]', b'[["a","b"],["a","b"]]', b'[["\\ud83d\\ude00",""]]'),
    b"[" + b",".join([b'["k","v"]'] * 1000) + b"]",
    b"[" + b",".join([b'["k","v"]'] * 1001) + b"]",
]  # fmt: skip


def rerun_variants() -> list[bytes]:
    out = [
        b"null",
        b"[]",
        b"{}",
        b"[{}]",
        b"[null]",
        b'["failed"]',
        b"[" + obj([("status", b'"passed"')]) + b"]",
    ]
    out.append(b"[" + obj([*RERUN, ("colour", b'"red"')]) + b"]")
    out.append(b"[" + obj([("status", b'"x"'), *RERUN]) + b"]")  # an invalid value, then a valid one
    out.append(b"[" + obj([*RERUN, ("status", b'"x"')]) + b"]")  # a valid value, then an invalid one
    for key in ("status", "duration", *RERUN_TEXT_FIELDS):
        out.append(b"[" + obj(replaced(RERUN, key, None)) + b"]")
    values = {"status": STATUSES + WRONG_TYPES, "duration": NUMBERS + WRONG_TYPES}
    values |= {key: strings(limit) + WRONG_TYPES for key, limit in RERUN_TEXT_FIELDS.items() if limit < 10**6}
    values |= {
        key: [raw("m" * 10**6), raw("m" * (10**6 + 1)), *ODD_STRINGS[:8]] for key in ("message", "trace")
    }
    for key, options in values.items():
        out += [b"[" + obj(replaced(RERUN, key, value)) + b"]" for value in options]
    out.append(b"[" + b",".join([obj(MINIMAL[1:])] * 1000) + b"]")
    out.append(b"[" + b",".join([obj(MINIMAL[1:])] * 1001) + b"]")
    return out


def generated_cases() -> list[bytes]:
    """Valid and invalid cases: every field with every wrong type, null, at and past its limits; missing
    required keys, unknown and duplicate keys, bad nested reruns and properties, odd numbers and strings."""
    out = [obj(FULL), obj(MINIMAL), b"[]", b'"x"', b"1", b"null", b"{}"]
    out.append(json.dumps(json.loads(obj(FULL)), indent="\t").encode().replace(b":", b" \r\n:"))
    for key in ("name", "status"):
        out.append(obj(replaced(FULL, key, None)))
    out += [
        obj([*FULL, ("colour", b'"red"')]),
        obj([*MINIMAL, ("Name", b'"t"')]),
        obj([*MINIMAL, ("", b"1")]),
    ]
    out += [obj([*FULL, ("name", b'"again"')]), obj([("name", b'""'), *FULL]), obj([*FULL, ("name", b'""')])]
    out += [obj([("status", b'"bad"'), *FULL]), obj([*FULL, ("status", b'"passed"')])]
    out += [
        obj([("line", b"3.0"), *FULL]),
        obj([*FULL, ("line", b"3.5")]),
        obj([*MINIMAL, ("line", b"1")] * 2),
    ]
    values: dict[str, list[bytes]] = {
        "name": strings(1000, minimum=1) + ODD_STRINGS + WRONG_TYPES,
        "status": STATUSES + WRONG_TYPES,
        "line": NUMBERS + WRONG_TYPES,
        "duration": NUMBERS + WRONG_TYPES,
        "properties": PROPERTIES + WRONG_TYPES,
        "reruns": rerun_variants() + WRONG_TYPES,
    }
    for key, limit in TEXT_FIELDS.items():
        small = limit < 10**6
        values[key] = (strings(limit) if small else [raw("x" * limit), raw("x" * (limit + 1))]) + WRONG_TYPES
        values[key] += ODD_STRINGS if key in ("classname", "message") else []
    # One astral character too many (the 1000-character limits test the count at the limit: a million
    # accepted astral characters cost ijson over a second, it is quadratic in multi-byte characters).
    values["stdout"].append(raw("\U0001f600" * (10**6 + 1)))
    for key, options in values.items():
        for value in options:
            out += [obj(replaced(FULL, key, value)), obj(replaced(MINIMAL, key, value))]
    return out


GENERATED = generated_cases()


def fast(case: bytes) -> Case | None:
    try:
        (decoded,) = decode_cases(b"[" + case + b"]")
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return decoded


def slow(case: bytes) -> dict[str, Any] | None:
    """The ingest's streaming path: ijson reads the case, the schema checks it."""
    try:
        (read,) = iter_cases(io.BytesIO(b'{"cases":[' + case + b"]}"))
    except (MalformedBody, InvalidDocument, UnicodeDecodeError):
        return None
    return read


def decoded_values(case: Case) -> dict[str, Any]:
    values = {field: getattr(case, field) for field in Case.__struct_fields__}
    values["properties"] = [list(pair) for pair in case.properties]
    values["reruns"] = [{f: getattr(r, f) for f in Rerun.__struct_fields__} for r in case.reruns]
    return values


def read_values(doc: dict[str, Any]) -> dict[str, Any]:
    """What the loader sees in a case dict: absent keys read as null, absent arrays as empty."""
    values = CASE_DEFAULTS | doc
    values["reruns"] = [RERUN_DEFAULTS | rerun for rerun in values["reruns"]]
    return values


def identical(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (so 3 is not 3.0, nor -0.0 0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(identical(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(identical, a, b))
    if isinstance(a, float):
        return (a == b and math.copysign(1, a) == math.copysign(1, b)) or (math.isnan(a) and math.isnan(b))
    return a == b


def disagreement(case: bytes) -> str | None:
    """Why the decoder's verdict on ``case`` breaks the contract, or None (accepting agrees, refusing is
    always allowed)."""
    decoded = fast(case)
    if decoded is None:
        return None
    try:
        loaded = json.loads(case)
    except ValueError:
        return "accepted text json.loads refuses"
    streamed = slow(case)
    if not VALIDATOR.is_valid(loaded):
        return "accepted a case the schema refuses"
    if streamed is None:
        return "accepted a case the slow path refuses"
    if not identical(decoded_values(decoded), read_values(loaded)):
        return f"decoded {decoded_values(decoded)!r}, json.loads reads {read_values(loaded)!r}"
    if not identical(decoded_values(decoded), read_values(streamed)):
        return f"decoded {decoded_values(decoded)!r}, the slow path reads {read_values(streamed)!r}"
    return None


def problems(cases: list[bytes]) -> list[tuple[bytes, str]]:
    return [(case[:300], problem) for case in cases if (problem := disagreement(case))]


def test_it_never_accepts_what_the_schema_refuses_and_reads_what_the_slow_path_reads() -> None:
    assert problems(GENERATED) == []


def refusal_reasons(case: bytes) -> set[str]:
    """The documented reasons (see hub/runs/services/cases.py) to refuse a case the slow path accepts."""
    reasons = set()

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({key for key, _ in items}) < len(items):
            reasons.add("a key given twice")
        return dict(items)

    def visit(value: Any) -> None:
        if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value):
            reasons.add("a lone surrogate")
        elif type(value) is int and value > INT64_MAX:
            reasons.add("an integer beyond int64")
        elif isinstance(value, dict | list):
            for item in value.values() if isinstance(value, dict) else value:
                visit(item)

    doc = json.loads(case, object_pairs_hook=pairs)
    visit(doc)
    if type(doc.get("line")) is float:
        reasons.add("an integral float as line")
    return reasons


def unexplained_refusals(cases: list[bytes]) -> list[bytes]:
    return [case[:300] for case in cases if fast(case) is None and slow(case) and not refusal_reasons(case)]


def test_it_refuses_a_case_the_slow_path_accepts_only_for_a_documented_reason() -> None:
    assert unexplained_refusals(GENERATED) == []


AT_THE_LIMITS = {
    "every field": obj(FULL),
    "only the required fields": obj(MINIMAL),
    "1000 astral characters escaped (2000 UTF-16 units)": obj(
        replaced(MINIMAL, "name", raw("\U0001f600" * 1000, ascii=True))
    ),
    "1000 astral characters raw": obj(replaced(MINIMAL, "name", raw("\U0001f600" * 1000))),
    "a 4096-character file": obj(replaced(FULL, "file", raw("p" * 4096))),
    "the largest int64 line": obj(replaced(FULL, "line", b"9223372036854775807")),
    "a duration of -0": obj(replaced(FULL, "duration", b"-0")),
    "an integer duration": obj(replaced(FULL, "duration", b"12")),
    "a duration that underflows to 0.0": obj(replaced(FULL, "duration", b"0.1e-400")),
    "a key given twice, both valid": obj([*FULL, ("name", b'"later"')]),
    "1000 properties": obj(replaced(FULL, "properties", b"[" + b",".join([b'["k","v"]'] * 1000) + b"]")),
    "escapes": obj(replaced(FULL, "name", b'"a\\u0000\\/\\ud83d\\ude00"')),
}


@pytest.mark.parametrize("case", AT_THE_LIMITS.values(), ids=AT_THE_LIMITS.keys())
def test_it_accepts_cases_at_the_schemas_limits(case: bytes) -> None:
    assert fast(case) is not None
    assert disagreement(case) is None


@pytest.mark.parametrize(
    "case",
    [
        obj(replaced(FULL, "line", b"3.0")),  # a schema integer, not a msgspec int
        obj(replaced(FULL, "line", b"9223372036854775808")),  # ijson (yajl) refuses it too
        obj(replaced(FULL, "duration", b"1e400")),  # beyond float: json.loads reads inf, yajl refuses
        obj(replaced(FULL, "name", b'"\\ud800"')),  # a lone surrogate: ijson reads "?", json.loads keeps it
        obj([("name", b'""'), *FULL]),  # the invalid first of two values for one key
    ],
    ids=["integral float line", "int beyond int64", "float overflow", "lone surrogate", "bad duplicate"],
)
def test_it_leaves_to_the_slow_path_the_few_valid_cases_it_does_not_read(case: bytes) -> None:
    assert VALIDATOR.is_valid(json.loads(case))
    assert fast(case) is None


def test_invalid_utf8_is_a_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        decode_cases(b'[{"name":"\xed\xa0\x80","status":"passed"}]')


def test_it_decodes_a_batch_in_order() -> None:
    cases = decode_cases(
        b"[" + b",".join(obj(replaced(MINIMAL, "name", raw(f"t{i}"))) for i in range(5)) + b"]"
    )

    assert [case.name for case in cases] == ["t0", "t1", "t2", "t3", "t4"]


def structural_mutations(rng: random.Random, count: int):
    pool = [*WRONG_TYPES, *NUMBERS, *STATUSES, *PROPERTIES[:14], *ODD_STRINGS, *strings(3, minimum=1)]
    pool += [b"[" + obj(RERUN) + b"]", b"[" + obj(replaced(RERUN, "duration", b"-1")) + b"]"]
    keys = [*(key for key, _ in FULL), "colour"]
    for _ in range(count):
        pairs = list(rng.choice([FULL, MINIMAL]))
        for _ in range(rng.randint(1, 3)):
            key, roll = rng.choice(keys), rng.random()
            if roll < 0.2:
                pairs = replaced(pairs, key, None)
            elif roll < 0.3:
                pairs.insert(rng.randrange(len(pairs) + 1), (key, rng.choice(pool)))  # maybe a duplicate
            elif roll < 0.45:
                inner = replaced(RERUN, rng.choice([k for k, _ in RERUN] + ["x"]), rng.choice(pool))
                pairs = replaced(pairs, "reruns", b"[" + obj(inner) + b"]")
            else:
                pairs = replaced(pairs, key, rng.choice(pool))
        yield obj(pairs)


ALPHABET = b'{}[]",:0123456789.eE-+ \t\n\\/utrfalsn\xc3\xa9\xff\x00'


def byte_mutations(rng: random.Random, count: int):
    seeds = [obj(FULL), obj(MINIMAL), obj(replaced(FULL, "name", raw("é\U0001f600", ascii=True)))]
    for _ in range(count):
        text = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 3)):
            at, roll = rng.randrange(len(text)), rng.random()
            if roll < 0.35:
                del text[at]
            elif roll < 0.7:
                text.insert(at, rng.choice(ALPHABET))
            elif text[at : at + 1].isdigit():
                text[at] = rng.choice(b"0123456789")
            else:
                start = rng.randrange(len(text))
                text[at:at] = text[start : start + rng.randint(1, 12)]
        yield bytes(text)


def random_numbers(rng: random.Random, count: int):
    for _ in range(count):
        digits = "".join(rng.choices("0123456789", k=rng.randint(1, 25))).lstrip("0") or "0"
        number = rng.choice(["", "-"]) + digits
        if rng.random() < 0.7:
            number += "." + "".join(rng.choices("0123456789", k=rng.randint(1, 25)))
        if rng.random() < 0.5:
            number += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 330))
        yield obj(replaced(MINIMAL, rng.choice(["duration", "line"]), number.encode()))


@pytest.mark.parametrize("seed", range(3))
def test_random_mutations_never_break_the_contract(seed: int) -> None:
    rng = random.Random(seed)
    cases = [*structural_mutations(rng, 1500), *byte_mutations(rng, 1500), *random_numbers(rng, 1000)]

    assert problems(cases) == []
    assert unexplained_refusals(cases) == []
    assert sum(fast(case) is not None for case in cases) > 500  # the fuzz reaches the accepting side


def corpus_cases() -> list[dict[str, Any]]:
    if not JUNIT.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {JUNIT.resolve()})")
    docs = []
    for path in sorted(JUNIT.rglob("*.xml")):
        try:
            docs += [case_to_json(case) for case in read_report(path)]
        except ReportParseError:
            continue  # broken on purpose; tests/agent/test_parsers_corpus.py names each
    return docs


def test_every_case_of_the_junit_corpus_round_trips() -> None:
    docs = corpus_cases()

    decoded = decode_cases(json.dumps(docs, separators=(",", ":")).encode())

    assert len(decoded) == len(docs) > 1000
    assert [
        d for c, d in zip(decoded, docs, strict=True) if not identical(decoded_values(c), read_values(d))
    ] == []


def test_case_from_json_reads_every_corpus_case_as_the_decoder_does() -> None:
    docs = corpus_cases()

    assert [
        d for d in docs if not identical(decoded_values(case_from_json(d)), decoded_values(fast(raw(d))))
    ] == []


def parsed(case: bytes) -> Any:
    try:
        return json.loads(case)
    except ValueError:  # not JSON, or not UTF-8
        return None


def test_case_from_json_accepts_every_schema_valid_generated_case() -> None:
    docs = [doc for doc in map(parsed, GENERATED) if doc is not None and VALIDATOR.is_valid(doc)]

    assert len(docs) > 400
    expected = [read_values(doc) for doc in docs]
    for values in expected:  # an integral float line (3.0) becomes the int it stands for
        values["line"] = int(values["line"]) if type(values["line"]) is float else values["line"]
    assert any(type(doc.get("line")) is float for doc in docs)

    assert [
        doc
        for doc, want in zip(docs, expected, strict=True)
        if not identical(decoded_values(case_from_json(doc)), want)
    ] == []


@pytest.mark.parametrize(
    ("line", "duration", "expected_line"),
    [(3.0, 0.5, 3), (10**30, 1.0, 10**30), (1, 10**30, 1), (1, math.nan, 1), (1e300, math.inf, int(1e300))],
)
def test_case_from_json_keeps_schema_valid_numbers_outside_the_structs_types(line, duration, expected_line):
    doc = {"name": "t", "status": "failed", "line": line, "duration": duration}
    doc["reruns"] = [{"status": "failed", "duration": duration}]
    assert VALIDATOR.is_valid(doc)  # NaN too: it is not less than the minimum

    case = case_from_json(doc)

    assert identical(case.line, expected_line)
    assert identical(case.duration, duration)
    assert identical(case.reruns[0].duration, duration)


@pytest.mark.parametrize(
    "doc",
    [
        {"name": "t", "status": "passed", "line": 3.5},
        {"name": "t", "status": "passed", "line": -1.0},
        {"name": "t", "status": "passed", "duration": -(10**30)},
        {"name": "t", "status": "passed", "reruns": [{"status": "failed", "duration": "1"}]},
        {"name": "t", "status": "passed", "properties": None},
        {"name": "", "status": "passed", "line": 3.0},
    ],
)
def test_case_from_json_refuses_a_dict_the_schema_refuses(doc) -> None:
    assert not VALIDATOR.is_valid(doc)
    with pytest.raises(msgspec.ValidationError):
        case_from_json(doc)
