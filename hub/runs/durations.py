"""How a duration in seconds reads to a person: ``137.5889`` is "2 min 18 s", ``0.0123`` is "12 ms".

Reports carry seconds as floats (sums of them pick up float noise like ``89.67280000000001``); the admin
shows them in the unit a person would use, to a precision that means something at that size. The API
keeps seconds as numbers, rounded to the millisecond (``hub.api.serializers.SecondsField``).
"""

from __future__ import annotations

EMPTY = "-"  # the admin's own mark for a missing value


def human_duration(seconds: float | None) -> str:
    """Milliseconds under a second, seconds with a tenth under a minute, then minutes and seconds, then
    hours and minutes."""
    if seconds is None:
        return EMPTY
    millis = round(seconds * 1000)
    if millis < 1000:
        return "<1 ms" if millis == 0 and seconds > 0 else f"{millis} ms"
    tenths = round(seconds * 10)
    if tenths < 600:
        return f"{tenths / 10:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours} h {rest} min"
