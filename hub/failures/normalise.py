"""One failure, however many times it happens: an error message with its volatile parts masked, hashed.

Two failures are the same cluster when their failure types and normalised messages are equal. What
changes from run to run without changing the failure is masked: UUIDs, timestamps and dates, temporary
paths, memory addresses, hex ids (commit SHAs, object ids), IP addresses and ports, durations, and any
remaining number. Words, names and quoted identifiers stay, so "No module named 'requests'" and
"No module named 'yaml'" are two clusters. Pure: no ORM.
"""

from __future__ import annotations

import hashlib
import re

NORMALISED_LIMIT = 1000  # characters of normalised text kept and hashed
INPUT_LIMIT = 8 * 1024  # characters of the message read; masking never scans more
EXAMPLE_LIMIT = 2000

# Order matters: the specific before the general (a UUID before its hex runs, a timestamp before its
# numbers, a temporary path before anything inside it).
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, flags), replacement)
    for pattern, flags, replacement in (
        # UUIDs
        (r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I, "<uuid>"),
        # ISO 8601 and common log timestamps: 2026-11-21T06:34:05.123Z, 2026-11-21 06:34:05,123 +00:00
        (
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?![\w:])",
            0,
            "<time>",
        ),
        # RFC 2822-ish: Sat, 21 Nov 2026 06:34:05 GMT
        (
            r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2}(?: [A-Z]{3}|"
            r" [+-]\d{4})?",
            0,
            "<time>",
        ),
        (r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{2,4}\b", 0, "<date>"),
        (r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b", 0, "<time>"),
        # Temporary paths, to the end of the path.
        (
            r"(?:/private)?/var/folders/[^\s'\":,;)]+|/tmp/[^\s'\":,;)]*|/var/tmp/[^\s'\":,;)]*"
            r"|[A-Za-z]:\\Users\\[^\\\s]+\\AppData\\Local\\Temp\\[^\s'\":,;)]*"
            r"|[A-Za-z]:\\(?:Windows\\)?Temp\\[^\s'\":,;)]*",
            re.I,
            "<tmp>",
        ),
        # Memory addresses (0x7ffd5fbff8a0) before other hex.
        (r"\b0x[0-9a-f]{4,16}\b", re.I, "<addr>"),
        # IPv4 with an optional port, then host:port.
        (r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b", 0, "<ip>"),
        (
            r"\b(localhost|\[::1?\]|(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|local|internal|svc|test|example)):"
            r"\d{1,5}\b",
            re.I,
            r"\1:<port>",
        ),
        (r"\bports? \d{2,5}\b", re.I, "port <port>"),
        (r"(?:^|(?<=\s)):\d{2,5}\b", 0, ":<port>"),
        # Hex ids of 7 or more characters with at least one digit (SHAs, object and request ids).
        (r"\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{7,}\b", re.I, "<hex>"),
        # Durations: 1.5s, 250ms, 3 seconds, 2m30s, 00:01:02 was caught as a time above.
        (
            r"\b\d+(?:\.\d+)?\s?(?:ms|milliseconds?|µs|us|ns|s|secs?|seconds?|m|mins?|minutes?|h|hours?)\b"
            r"(?:\s?\d+(?:\.\d+)?\s?(?:ms|s|m))*",
            re.I,
            "<duration>",
        ),
        # Any other number.
        (r"[-+]?\b\d+(?:[.,]\d+)*\b", 0, "<n>"),
    )
)
_WHITESPACE = re.compile(r"\s+")


def normalise(message: str | None) -> str:
    """``message`` with volatile parts masked and whitespace collapsed, at most ``NORMALISED_LIMIT``."""
    text = (message or "")[:INPUT_LIMIT]
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return _WHITESPACE.sub(" ", text).strip()[:NORMALISED_LIMIT]


def fingerprint(normalised: str, failure_type: str | None = "") -> str:
    """SHA-256 (hex) of the failure type and the normalised message: the cluster's identity."""
    kind = (failure_type or "").strip()[:1000]
    return hashlib.sha256(f"{kind}\n{normalised}".encode()).hexdigest()


def failure_text(message: str | None, trace: str | None) -> str:
    """What a cluster is formed from: the message, or when there is none the first line of the trace
    that says something (frameworks that report only a stack trace put the error on its first line)."""
    if message and message.strip():
        return message
    for line in (trace or "")[:INPUT_LIMIT].splitlines():
        line = line.strip()
        if line and not line.startswith(("Traceback (most recent call last)", "at ", "File ")):
            return line
    return ""


def example(message: str | None) -> str:
    """An original message kept with its cluster, bounded."""
    return (message or "")[:EXAMPLE_LIMIT]
