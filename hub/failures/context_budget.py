"""The failure context's size budget, and the pure functions that keep a document inside it.

The context is pasted into chats and coding agents whose input is finite, so it is bounded whatever the
run: a run with 4,000 failing tests and megabyte traces gives a context of the same order as one with
three. Every cut says so where it happened (``[... 120 lines not shown ...]``, ``failures_not_shown``,
``attempts_not_shown``), never silently. The numbers are documented in docs/context.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

MAX_FAILURES = 30  # failing tests given in full detail; the rest are counted
MAX_ATTEMPTS = 5  # attempts shown per test, the latest ones (the final attempt always)
MAX_MESSAGE_CHARS = 2000
MAX_TRACE_LINES = 60  # the final attempt's trace: its first 20 and last 40 lines
MAX_TRACE_CHARS = 6000
MAX_EARLIER_TRACE_LINES = 10  # an earlier attempt's trace, its first lines only
MAX_OUTPUT_LINES = 30  # a failed test's stdout and stderr: its last lines
MAX_OUTPUT_CHARS = 3000
# Beyond the first FULL_DETAIL tests, each test's texts are clipped harder, so a run where everything
# failed shows many tests briefly rather than a few at length.
FULL_DETAIL = 5
COMPACT_MESSAGE_CHARS = 300
COMPACT_TRACE_LINES = 10
COMPACT_TRACE_CHARS = 800
COMPACT_OUTPUT_LINES = 5
COMPACT_OUTPUT_CHARS = 400
MAX_LOG_JOBS = 5  # failed jobs whose log excerpt is given
MAX_LOG_LINES = 60
MAX_LOG_CHARS = 4000
MAX_EVIDENCE = 5  # flaky evidence sentences per test
MAX_ARTIFACTS = 30
MAX_BYTES = 64 * 1024  # the whole document: compact JSON, or Markdown, in UTF-8
HEAD_SHARE = 1 / 3  # of a clipped trace's lines, kept from its start (the rest from its end)

LIMITS = {
    "failures": MAX_FAILURES,
    "full_detail": FULL_DETAIL,
    "attempts": MAX_ATTEMPTS,
    "message_chars": MAX_MESSAGE_CHARS,
    "trace_lines": MAX_TRACE_LINES,
    "trace_chars": MAX_TRACE_CHARS,
    "output_lines": MAX_OUTPUT_LINES,
    "output_chars": MAX_OUTPUT_CHARS,
    "compact_message_chars": COMPACT_MESSAGE_CHARS,
    "compact_trace_lines": COMPACT_TRACE_LINES,
    "compact_trace_chars": COMPACT_TRACE_CHARS,
    "log_jobs": MAX_LOG_JOBS,
    "log_lines": MAX_LOG_LINES,
    "log_chars": MAX_LOG_CHARS,
    "artifacts": MAX_ARTIFACTS,
    "bytes": MAX_BYTES,
}


def clip_chars(text: str, limit: int, *, from_end: bool = False) -> str:
    """``text`` cut to ``limit`` characters (its last ones with ``from_end``), with a marker saying how
    many more there were."""
    if len(text) <= limit:
        return text
    if from_end:
        return f"[{len(text) - limit} characters not shown ...]{text[len(text) - limit :]}"
    return f"{text[:limit]}[... {len(text) - limit} more characters not shown]"


def clip_lines(text: str, max_lines: int, max_chars: int, head_share: float = HEAD_SHARE) -> str:
    """``text`` cut to ``max_lines`` lines, its first and last ones (an error's header and a traceback's
    innermost frames are both at the ends), with a marker line in the gap; then to ``max_chars``. With
    ``head_share=0`` only the last lines (and characters) are kept."""
    lines = text.splitlines()
    if len(lines) > max_lines:
        head = int(max_lines * head_share)
        head = max(1, head) if head_share and max_lines > 1 else head
        tail = max_lines - head
        hidden = len(lines) - head - tail
        lines = [*lines[:head], f"[... {hidden} lines not shown ...]", *lines[len(lines) - tail :]]
        text = "\n".join(lines)
    return clip_chars(text, max_chars, from_end=not head_share)


def head_lines(text: str, max_lines: int) -> str:
    """The first ``max_lines`` lines of ``text``, and a marker line when there were more."""
    lines = text.splitlines()
    if len(lines) <= max_lines:
        return text
    return "\n".join([*lines[:max_lines], f"[... {len(lines) - max_lines} more lines not shown ...]"])


def size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON, the form the API sends."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode())


def fit(items: Sequence[Any], room: int, measure: Callable[[Any], int]) -> int:
    """How many of ``items``, taken in order, fit in ``room`` bytes (each costs ``measure`` + 1)."""
    used = 0
    for count, item in enumerate(items):
        used += measure(item) + 1
        if used > room:
            return count
    return len(items)
