"""Secret tokens stored as prefix + lookup id + HMAC, never in plain text.

A token reads ``orch_<kind>_<lookup id>_<secret>``. The lookup id finds the row through a unique index;
the secret is checked against its HMAC in constant time, so a leaked database yields no usable token and
a timing attack learns nothing. The plain token exists once, in the value returned at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings

PREFIX = "orch"
LOOKUP_CHARS = 12
SECRET_BYTES = 24  # 192 bits of entropy; 32 URL-safe characters


def _pepper() -> bytes:
    return (getattr(settings, "TOKEN_HMAC_KEY", None) or settings.SECRET_KEY).encode()


def digest(secret: str) -> str:
    return hmac.new(_pepper(), secret.encode(), hashlib.sha256).hexdigest()


def generate(kind: str) -> tuple[str, str, str]:
    """Return ``(plain token, lookup id, digest)`` for a new token of ``kind`` ("a" agent, "u" user)."""
    lookup = secrets.token_hex(LOOKUP_CHARS // 2)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return f"{PREFIX}_{kind}_{lookup}_{secret}", lookup, digest(secret)


def split(token: str, kind: str) -> tuple[str, str] | None:
    """``(lookup id, secret)`` of a well-formed token of ``kind``, else None."""
    parts = token.split("_", 3)
    if len(parts) != 4 or parts[0] != PREFIX or parts[1] != kind or len(parts[2]) != LOOKUP_CHARS:
        return None
    return parts[2], parts[3]


def matches(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)
