"""Text a database cannot store, made storable before anything is written: NUL and lone surrogates
become U+FFFD.

PostgreSQL's text and jsonb cannot hold NUL (a ``\\u0000`` in a report's strings was a 500 there) while
SQLite stores it; neither can encode a lone UTF-16 surrogate (which ``json.loads`` keeps, so a Mocha or
Dart JSON file in a multipart upload was a 500 on both). Replacing them where input enters gives one
result on both. U+FFFD, the replacement character, says that something unreadable was there and keeps
the text's length, and a test's output keeps the rest of its text (refusing the report would lose every
other test with it).
"""

from __future__ import annotations

import re
from typing import Any

from hub.runs.services.cases import Case

NUL = "\x00"
REPLACEMENT = "\ufffd"
JSON_NUL = b"\\u0000"  # the only way JSON can carry a NUL (a raw one is not valid JSON)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    # isascii() is O(1) in CPython: most text is ASCII and needs only the NUL search.
    return NUL in text or (not text.isascii() and _UNSTORABLE.search(text) is not None)


def storable_text(text: str) -> str:
    return _UNSTORABLE.sub(REPLACEMENT, text) if _unstorable(text) else text


def storable(value: Any) -> Any:
    """``value`` (JSON-shaped: dicts, lists, strings, numbers) with every string and key storable."""
    if type(value) is str:
        return storable_text(value)
    if type(value) is dict:
        return {storable_text(key): storable(item) for key, item in value.items()}
    if type(value) is list:
        return [storable(item) for item in value]
    return value


_CASE_TEXT = tuple(f for f in Case.__struct_fields__ if f not in ("line", "duration", "properties", "reruns"))
_RERUN_TEXT = ("message", "type", "trace")


def storable_case(case: Case) -> Case:
    """``case`` with its strings storable, in place (the decoders keep what the document says)."""
    for name in _CASE_TEXT:
        value = getattr(case, name)
        if value and _unstorable(value):
            setattr(case, name, storable_text(value))
    if any(_unstorable(key) or _unstorable(value) for key, value in case.properties):
        case.properties = tuple((storable_text(key), storable_text(value)) for key, value in case.properties)
    for rerun in case.reruns:
        for name in _RERUN_TEXT:
            value = getattr(rerun, name)
            if value and _unstorable(value):
                setattr(rerun, name, storable_text(value))
    return case
