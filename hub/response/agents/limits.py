"""A client-side rate limiter shared by every worker, so the hub stays inside an agent's published limits.

Codegen allows 10 agent creations a minute and 60 reads per 30 seconds per organisation; many workers
polling many runs would pass that without knowing. Each call takes a slot in a fixed window counted in the
Django cache (``cache.incr`` is atomic on Redis, which production uses, so the count is shared across
workers and machines; the local-memory cache of a development hub counts per process). A call with no
slot left is not made: the caller is told how long until the window turns over.
"""

from __future__ import annotations

import time

from django.core.cache import cache

PREFIX = "agent-limit"


def take(bucket: str, limit: int, window: int, now: float | None = None) -> float:
    """Take one of ``limit`` slots per ``window`` seconds in ``bucket``: 0.0 when taken, else the seconds
    to wait for the next window."""
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"{PREFIX}:{bucket}:{slot}"
    cache.add(key, 0, timeout=window * 2)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=window * 2)
        used = 1
    if used <= limit:
        return 0.0
    return max((slot + 1) * window - now, 0.1)
