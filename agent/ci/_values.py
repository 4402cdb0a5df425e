"""Small readers shared by the CI detectors: every detector turns raw strings into checked values here.

CI variables are strings, often empty rather than unset, and sometimes placeholders (Buildkite's
``BUILDKITE_PULL_REQUEST=false``, a commit of ``HEAD``). The report schema is strict (a commit is hex, a
pull request a positive integer), so a value that does not fit is dropped here rather than rejected by the
hub later.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_PR_IN_URL = re.compile(r"/(?:pull|pulls|merge_requests)/(\d+)/?$")
_SLUG_IN_URL = re.compile(r"[:/]([^/:]+/[^/]+?)(?:\.git)?/?$")
MAX_ATTEMPT = 1000


def text(env: Mapping[str, str], *names: str) -> str | None:
    """The first of ``names`` that is set to a non-blank value, stripped."""
    for name in names:
        value = env.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def flag(env: Mapping[str, str], name: str) -> bool:
    return (env.get(name) or "").strip().lower() in {"true", "1", "yes"}


def positive_int(value: str | int | None) -> int | None:
    """An integer >= 1, or None for anything else (``false``, ``0``, garbage)."""
    if value is None:
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 1 else None


def count(value: str | None) -> int | None:
    """A non-negative integer (a retry count), or None."""
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number >= 0 else None


def attempt(value: str | int | None) -> int:
    """A run attempt within the schema's bounds (1..1000); 1 when unknown."""
    number = positive_int(value)
    return 1 if number is None else min(number, MAX_ATTEMPT)


def sha(value: str | None) -> str | None:
    """A commit SHA as the schema wants it (7 to 64 hex digits), lower-cased; None otherwise."""
    if value and _SHA.match(value.strip()):
        return value.strip().lower()
    return None


def pull_request_from_url(url: str | None) -> int | None:
    """The number at the end of a pull/merge request URL (CircleCI gives a URL, not a number)."""
    if not url:
        return None
    match = _PR_IN_URL.search(url.strip())
    return positive_int(match.group(1)) if match else None


def slug_from_url(url: str | None) -> str | None:
    """``owner/name`` from a clone URL (https or scp-like ssh), for CIs that give only the URL."""
    if not url:
        return None
    match = _SLUG_IN_URL.search(url.strip())
    return match.group(1) if match else None


def strip_ref(ref: str | None) -> str | None:
    """A branch name from a full ref (``refs/heads/main``) or a remote-tracking name (``origin/main``)."""
    if not ref:
        return None
    for prefix in ("refs/heads/", "origin/"):
        if ref.startswith(prefix):
            return ref[len(prefix) :] or None
    return ref
