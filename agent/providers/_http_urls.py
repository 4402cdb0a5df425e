"""The two questions ``ApiClient`` asks of every URL: may it carry our credentials (its origin), and how may
a message show it (without its query string, where a signed storage URL keeps its signature).
"""

from __future__ import annotations

from urllib.parse import urlsplit


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: credentials are only ever sent to the origin they belong to."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def without_query(url: str) -> str:
    """A URL fit for a message: no query string (signed storage URLs keep their signature there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path
