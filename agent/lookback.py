"""Look-back windows (``2h``, ``30m``, ``1d``) and the status words ``ci list --status`` takes: plain
values with no imports, so ``orchestrate --help`` builds its parsers without loading the HTTP clients.
``agent.providers.recent`` reads runs with them; the hub's monitor parses its ``--lookback`` here too."""

from __future__ import annotations

import re
from datetime import timedelta

STATES = ("queued", "in_progress", "completed")
CONCLUSIONS = ("success", "failure", "cancelled", "skipped", "timed_out", "neutral")
STATUS_WORDS = STATES + CONCLUSIONS
MAX_LOOKBACK = timedelta(days=90)
_DURATION = re.compile(r"^\s*(\d{1,7})\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_lookback(text: str) -> timedelta:
    """``2h``, ``30m``, ``1d``, ``90s``, ``1w`` as a duration; ``ValueError`` says what is accepted."""
    match = _DURATION.match(text or "")
    if not match:
        raise ValueError(f"{text!r} is not a duration: use a number and a unit (s, m, h, d, w), e.g. 2h")
    duration = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if duration <= timedelta(0) or duration > MAX_LOOKBACK:
        raise ValueError(f"{text!r}: use a look-back of more than 0 and at most 90 days")
    return duration


def format_lookback(duration: timedelta) -> str:
    """The shortest ``parse_lookback`` spelling of ``duration`` (whole seconds)."""
    seconds = int(duration.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
