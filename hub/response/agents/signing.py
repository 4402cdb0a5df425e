"""HMAC-SHA256 signatures between the hub and a generic agent, both ways.

A signed message carries ``X-Orchestrate-Timestamp`` (Unix seconds) and ``X-Orchestrate-Signature:
sha256=<hex>``, the HMAC of ``"<timestamp>.<body>"`` under the project's agent secret. The timestamp is
inside the signature, so a captured callback cannot be replayed after ``TOLERANCE`` seconds; the
comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNATURE = "X-Orchestrate-Signature"
TIMESTAMP = "X-Orchestrate-Timestamp"
TOLERANCE = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def headers(secret: str, body: bytes, now: float | None = None) -> dict[str, str]:
    timestamp = str(int(time.time() if now is None else now))
    return {TIMESTAMP: timestamp, SIGNATURE: signature(secret, timestamp, body)}


def verify(secret: str, timestamp: str, given: str, body: bytes, now: float | None = None) -> str | None:
    """None when ``given`` signs ``body`` at ``timestamp`` under ``secret`` (recently); else why not."""
    if not secret:
        return "the project's agent connection has no secret to check signatures with"
    if not timestamp.isdigit() or abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE:
        return f"{TIMESTAMP} is missing or more than {TOLERANCE} s away from the hub's clock"
    if not hmac.compare_digest(signature(secret, timestamp, body).encode(), given.strip().encode()):
        return f"{SIGNATURE} does not match the body (HMAC-SHA256 of '<timestamp>.<body>')"
    return None
