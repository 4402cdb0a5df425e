"""Small conversions every parser needs: durations, integers and bounded text.

Report writers disagree on numbers (``time="1,234.5"`` from a locale-aware Surefire, ``"00:00:01.5"`` from
TRX, garbage from hand-rolled reporters) and a single test can print megabytes. These helpers turn both into
the model's plain values without letting one bad attribute or one huge trace sink a whole report.
"""

from __future__ import annotations

import math
import re

from agent.model import MAX_NAME_CHARS, clip

# The report schema allows longer paths than names (report-v1 ``file`` maxLength).
MAX_PATH_CHARS = 4_096
MAX_PROPERTIES = 1_000  # report-v1 ``properties`` maxItems
MAX_RERUNS = 1_000  # report-v1 ``reruns`` maxItems

_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_TIMESPAN = re.compile(r"^(?:(\d+)\.)?(\d+):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$")


def seconds(text: str | None) -> float | None:
    """A duration in seconds from an attribute, or None when it is missing, negative or not a number.

    Accepts ``1.5``, ``1,234.5`` (thousands separators, as Surefire writes them), ``1,5`` (a decimal
    comma), a trailing ``s`` and .NET time spans (``00:01:02.5``, ``1.00:00:00``).
    """
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        value = _lenient_seconds(text.strip())
        if value is None:
            return None
    return value if 0.0 <= value < math.inf else None


def _lenient_seconds(text: str) -> float | None:
    if text.endswith("s") and not text.endswith("ms"):
        text = text[:-1].strip()
    span = _TIMESPAN.match(text)
    if span:
        days, hours, minutes, secs = span.groups()
        return int(days or 0) * 86_400 + int(hours) * 3_600 + int(minutes) * 60 + float(secs)
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def integer(text: str | None) -> int | None:
    """A non-negative integer attribute (a line number), or None when missing or garbage."""
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        return None
    return value if value >= 0 else None


def name(text: str | None) -> str | None:
    """An identifier-like field (class, suite, type), bounded; empty strings count as missing."""
    if not text:
        return None
    return text if len(text) <= MAX_NAME_CHARS else clip(text, MAX_NAME_CHARS)


def path(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) <= MAX_PATH_CHARS else clip(text, MAX_PATH_CHARS)


def first_line(text: str | None, limit: int) -> str | None:
    """The first non-blank line of a body, for reporters that put the message only in the trace."""
    if not text:
        return None
    for line in text.splitlines():
        line = line.strip()
        if line:
            return clip(line, limit)
    return None


class BoundedText:
    """Collects character data up to a limit while counting the rest, so a 50 MB ``system-out`` costs
    ``limit`` characters of memory; ``value()`` matches ``agent.model.clip`` of the whole text."""

    __slots__ = ("_limit", "_parts", "_size")

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._parts: list[str] = []
        self._size = 0

    def add(self, data: str) -> None:
        if self._size < self._limit:
            self._parts.append(data)
        self._size += len(data)

    def value(self) -> str | None:
        """The text (None when there was none), clipped exactly as ``clip(text, limit)`` would."""
        if not self._size:
            return None
        text = "".join(self._parts)
        if self._size <= self._limit:
            return text
        # Same head and marker as agent.model.clip; the full text was never held, so build it here.
        marker = f"\n... [{self._size - self._limit} characters cut]"
        return text[: max(0, self._limit - len(marker))] + marker
