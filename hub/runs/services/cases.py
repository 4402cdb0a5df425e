"""Report cases decoded and checked in C: msgspec structs that mirror the schema's ``case`` and ``rerun``.

Why: streaming a case with ijson and checking it against the schema in Python costs 3.5-5 us; msgspec
decodes a batch and checks every type and limit on the way in about 0.4 us a case (5,000 compact cases of
benchmarks/ingest.py, ~250 bytes each), so the ingest cuts the ``cases`` array into byte batches and
hands them to ``decode_cases``.

The contract with agent/schemas/report-v1.schema.json (``$defs/case``, ``$defs/rerun``):

- Whatever ``decode_cases`` accepts, the schema accepts, and every value is the one the slow path
  (ijson + the schema, ``documents.iter_cases``) reads: same type, same value. A differential test and a
  seeded fuzz hold it to that.
- It may refuse what the schema accepts; the caller then sends the batch down the slow path, which
  decides and words the error. It refuses, on purpose or because msgspec does:
  an integral float as ``line`` (``3.0``: a schema ``integer``, not a msgspec ``int``); integers above
  2**63 - 1 (the slow path's yajl refuses them too); numbers beyond the float range (``1e400``, also
  refused by yajl); lone UTF-16 surrogates (``"\\ud800"``: ijson reads ``?``, ``json.loads`` a lone
  surrogate); invalid UTF-8; a key given twice whose earlier value is invalid (the slow path keeps
  the last); ``NaN`` and ``Infinity``, which are not JSON.
- Lengths count code points, as JSON Schema's ``maxLength`` does (an astral character is one, however
  it is escaped); ``number`` refuses booleans; ``properties`` and ``reruns`` may be absent (an empty
  tuple) but not ``null``.

``case_from_json`` gives the same struct for a case that arrived as a dict the schema already passed
(multipart uploads turn parsed XML into such dicts); it accepts every schema-valid dict.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

INT64_MAX = 2**63 - 1  # the largest integer ijson's yajl backend reads; the slow path refuses larger

Status = Literal["passed", "failed", "error", "skipped"]
Name = Annotated[str, Meta(min_length=1, max_length=1000)]
OptionalName = Annotated[str, Meta(max_length=1000)] | None
OptionalPath = Annotated[str, Meta(max_length=4096)] | None
Text = Annotated[str, Meta(max_length=1_000_000)] | None
Line = Annotated[int, Meta(ge=0, le=INT64_MAX)] | None
# A JSON integer stays an int and a fraction a float, as json.loads and ijson read them.
Seconds = Annotated[int, Meta(ge=0, le=INT64_MAX)] | Annotated[float, Meta(ge=0)] | None
Property = tuple[str, str]


class Rerun(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """An earlier attempt of a case (``$defs/rerun``).

    ``gc=False``: it holds only strings and numbers, so it can never be part of a reference cycle."""

    status: Status
    duration: Seconds = None
    message: Text = None
    type: OptionalName = None
    trace: Text = None


class Case(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """One test case as the report carries it (``$defs/case``); field names are the JSON keys.

    ``gc=False``: its containers are tuples of strings and of ``Rerun``, neither of which can refer back
    to a case, so no reference cycle can form (do not put a case inside itself)."""

    name: Name
    status: Status
    classname: OptionalName = None
    suite: OptionalName = None
    file: OptionalPath = None
    line: Line = None
    duration: Seconds = None
    message: Text = None
    type: OptionalName = None
    trace: Text = None
    stdout: Text = None
    stderr: Text = None
    properties: Annotated[tuple[Property, ...], Meta(max_length=1000)] = ()
    reruns: Annotated[tuple[Rerun, ...], Meta(max_length=1000)] = ()


_DECODER = msgspec.json.Decoder(list[Case])


def decode_cases(data: bytes) -> list[Case]:
    """Decode a JSON array of case objects, or raise ``msgspec.DecodeError`` / ``msgspec.ValidationError``.

    msgspec lets Python's UTF-8 decoder raise ``UnicodeDecodeError`` for invalid bytes inside a string;
    that becomes a ``DecodeError`` here, so callers catch the two msgspec errors and nothing else."""
    try:
        return _DECODER.decode(data)
    except UnicodeDecodeError as exc:
        raise msgspec.DecodeError(f"JSON is malformed: invalid UTF-8 in a string ({exc.reason})") from None


def case_from_json(doc: dict[str, Any]) -> Case:
    """The struct for a case dict the schema already accepted (raises ``msgspec.ValidationError`` if not).

    A few numbers are valid JSON Schema yet outside the struct's types: an integral float as ``line``
    (kept as an int: ``3.0`` and ``3`` are the same schema integer), integers above 2**63 - 1 and
    ``NaN`` (which fastjsonschema lets past ``minimum``) as durations. Such a dict is converted without
    its numbers, which are then set unchanged; they are the only values the schema passes that
    ``msgspec.convert`` refuses."""
    try:
        return msgspec.convert(doc, Case)
    except msgspec.ValidationError:
        pass
    reruns = doc.get("reruns", ())
    plain = {**doc, "line": None, "duration": None}
    if reruns:
        plain["reruns"] = [{**rerun, "duration": None} if type(rerun) is dict else rerun for rerun in reruns]
    case = msgspec.convert(plain, Case)
    line, duration = doc.get("line"), doc.get("duration")
    durations = [rerun.get("duration") for rerun in reruns]
    if not (_schema_number(line, integer=True) and all(map(_schema_number, [duration, *durations]))):
        raise msgspec.ValidationError("a line or duration the schema refuses (negative, or not a number)")
    case.line = int(line) if type(line) is float else line
    case.duration = duration
    for rerun, value in zip(case.reruns, durations, strict=True):
        rerun.duration = value
    return case


def _schema_number(value: Any, *, integer: bool = False) -> bool:
    """The schema's ``minimum: 0`` number (or integer, which admits ``3.0``) or null, as fastjsonschema
    judges it: ``NaN`` passes, being not less than zero."""
    if value is None or (type(value) is int and value >= 0):
        return True
    return type(value) is float and not value < 0 and (not integer or value.is_integer())
