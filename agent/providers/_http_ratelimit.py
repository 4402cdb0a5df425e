"""How long ``ApiClient`` waits when a provider says "too many requests", and what it says when that is
too long.

429, or 403 with ``x-ratelimit-remaining: 0`` / ``Retry-After`` / a "rate limit" message (GitHub's
secondary limits): wait for ``Retry-After``, else until ``x-ratelimit-reset`` (epoch seconds, read against
the answer's ``Date`` so a skewed local clock does not matter), else back off from a minute, doubling. The
caller bounds the total; past it, ``rate_limited_error`` says when the limit resets.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests

from agent.hub_client import parse_retry_after
from agent.providers._http_messages import api_message
from agent.providers.base import RateLimitedError

FIRST_BACKOFF = 60.0  # GitHub: "wait at least one minute" when a secondary limit gives no time
DEFAULT_MAX_RATE_LIMIT_WAIT = 300.0


def server_now(response: requests.Response, fallback: Callable[[], float]) -> float:
    """The server's idea of now (its ``Date`` header), so reset times are not skewed by our clock."""
    value = response.headers.get("Date")
    if value:
        try:
            return parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    return fallback()


def is_rate_limited(response: requests.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    if headers.get("x-ratelimit-remaining") == "0" or headers.get("Retry-After"):
        return True
    return "rate limit" in api_message(response).lower()


def rate_limit_wait(
    response: requests.Response, backoffs: int, now: Callable[[], float]
) -> tuple[float, bool]:
    """Seconds to wait before asking again, and whether that was a guess (no header said how long):
    Retry-After, else the reset time, else a minute doubled for each earlier guess."""
    server_time = server_now(response, now)
    retry_after = parse_retry_after(
        response.headers.get("Retry-After"), datetime.fromtimestamp(server_time, UTC)
    )
    if retry_after is not None:
        return retry_after, False
    reset = response.headers.get("x-ratelimit-reset") or response.headers.get("RateLimit-Reset")
    remaining = response.headers.get("x-ratelimit-remaining") or response.headers.get("RateLimit-Remaining")
    if reset and reset.strip().isdigit() and remaining == "0":
        value = int(reset)
        # Epoch seconds (GitHub, GitLab); a small number is a delta (the IETF draft header).
        return (max(0.0, value - server_time + 1) if value > 1_000_000_000 else float(value)), False
    return FIRST_BACKOFF * (2**backoffs), True


def rate_limited_error(
    provider: str, response: requests.Response, wait: float, *, max_wait: float, now: Callable[[], float]
) -> RateLimitedError:
    """The error for a limit that resets later than the caller waits (``max_wait`` seconds)."""
    resets = datetime.fromtimestamp(server_now(response, now) + wait, UTC).strftime("%H:%M:%S UTC")
    error = RateLimitedError(
        f"{provider}'s rate limit is exhausted until about {resets} ({wait:.0f} s), longer than the "
        f"{max_wait:.0f} s this command waits",
        "try again after that time, or use a token with a higher limit (a GitHub App's, for one)",
        status=response.status_code,
    )
    error.wait = wait  # a worker that must not sleep schedules its next try this far ahead
    return error
