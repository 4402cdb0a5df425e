"""NUL characters in what a client sends, replaced by U+FFFD before anything is stored.

PostgreSQL's text and jsonb cannot hold NUL (a ``\\u0000`` in a report's strings was a 500 there) while
SQLite stores it; replacing it where input enters gives one result on both. U+FFFD, the replacement
character, says that something unreadable was there and keeps the text's length, and a test's output
keeps the rest of its text (refusing the report would lose every other test with it).
"""

from __future__ import annotations

from typing import Any

from hub.runs.services.cases import Case

NUL = "\x00"
REPLACEMENT = "\ufffd"
JSON_NUL = b"\\u0000"  # the only way JSON can carry a NUL (a raw one is not valid JSON)


def replaced(text: str) -> str:
    return text.replace(NUL, REPLACEMENT)


def without_nul(value: Any) -> Any:
    """``value`` (JSON-shaped: dicts, lists, strings, numbers) with NUL replaced in every string and key."""
    if type(value) is str:
        return replaced(value)
    if type(value) is dict:
        return {replaced(key): without_nul(item) for key, item in value.items()}
    if type(value) is list:
        return [without_nul(item) for item in value]
    return value


_CASE_TEXT = tuple(f for f in Case.__struct_fields__ if f not in ("line", "duration", "properties", "reruns"))
_RERUN_TEXT = ("message", "type", "trace")


def case_without_nul(case: Case) -> Case:
    """``case`` with NUL replaced in its strings, in place (the decoders keep what the document says)."""
    for name in _CASE_TEXT:
        value = getattr(case, name)
        if value and NUL in value:
            setattr(case, name, replaced(value))
    if any(NUL in key or NUL in value for key, value in case.properties):
        case.properties = tuple((replaced(key), replaced(value)) for key, value in case.properties)
    for rerun in case.reruns:
        for name in _RERUN_TEXT:
            value = getattr(rerun, name)
            if value and NUL in value:
                setattr(rerun, name, replaced(value))
    return case
