"""What ``ApiClient`` says when a request fails: the ``ProviderError`` that matches the answer, with the
API's own words (bounded) and the provider's hint about what to do.

Apart from the client so the wording rules sit together: query strings never appear in a message (a
redirect's storage URL carries a signature there), a 403 is about the token only when it says so, and a
5xx to a request that changes something says the provider may have done it anyway (a gateway's 502 often
comes after the CI began a re-run), so that nobody asks twice without looking.
"""

from __future__ import annotations

import requests

from agent.providers._http_urls import without_query
from agent.providers.base import AuthenticationError, NotFoundError, ProviderError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
SAFE_METHODS = frozenset({"GET", "HEAD"})  # the rest change something at the provider
MAX_MESSAGE_CHARS = 300
# A 403 is about the token when its message says so (or says nothing); GitHub also answers 403 for
# refusals a new token would not fix ("created over a month ago"), which are plain errors.
PERMISSION_WORDS = (
    "not accessible",
    "permission",
    "forbidden",
    "admin",
    "authenticat",
    "credential",
    "token",
    "scope",
    "sso",
    "saml",
)


def api_message(response: requests.Response) -> str:
    """The API's own explanation of an error, short: ``message`` (GitHub, GitLab) or ``error``."""
    text = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                text = value
                break
            if isinstance(value, dict | list) and value:
                text = str(value)
                break
    elif not response.headers.get("Content-Type", "").startswith("text/html"):
        text = response.text or ""
    text = " ".join(text.split())
    return text[:MAX_MESSAGE_CHARS] + ("..." if len(text) > MAX_MESSAGE_CHARS else "")


def error_for(
    provider: str, method: str, response: requests.Response, *, auth_hint: str, not_found_hint: str
) -> ProviderError:
    """The error for a 3xx, 4xx or 5xx answer (closed here); ``provider`` names the CI ("GitHub")."""
    status = response.status_code
    where = without_query(response.url or "")
    detail = api_message(response)
    response.close()
    suffix = f": {detail}" if detail else ""
    if status == 401:
        return AuthenticationError(f"{provider} rejected the token (401{suffix})", auth_hint, status=status)
    if status == 403 and (not detail or any(word in detail.lower() for word in PERMISSION_WORDS)):
        return AuthenticationError(
            f"{provider} refused {method} {where} (403{suffix})", auth_hint, status=status
        )
    if status == 404:
        return NotFoundError(f"{provider} has nothing at {where} (404)", not_found_hint, status=status)
    if status >= 500 and method not in SAFE_METHODS:
        return ProviderError(
            f"{provider} failed on {method} {where} ({status}{suffix}); it may have acted on the request "
            "before failing",
            f"check in {provider} whether it started (a new run or attempt) before asking again"
            + _retry_after(response),
            status=status,
        )
    if status >= 500:
        return ProviderError(
            f"{provider} failed on {method} {where} ({status}{suffix})",
            "the provider is having trouble; try again later" + _retry_after(response),
            status=status,
        )
    if status in REDIRECT_STATUSES:
        return ProviderError(
            f"{provider} answered {status} without a Location for {where}", "", status=status
        )
    return ProviderError(f"{provider} refused {method} {where} ({status}{suffix})", "", status=status)


def _retry_after(response: requests.Response) -> str:
    """The provider's ``Retry-After`` in seconds, as the end of a hint ("" when absent or a date)."""
    value = response.headers.get("Retry-After", "").strip()
    return f"; {value} s at the earliest, as it asked (Retry-After)" if value.isdigit() else ""
