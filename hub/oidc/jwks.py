"""The issuers' signing keys: discovered, fetched with ``requests``, cached, refreshed on an unknown key id.

Keys come from the issuer's discovery document (``ISSUER/.well-known/openid-configuration`` ->
``jwks_uri``), which must name the issuer itself and point at the issuer's own host. The key set is kept
in Django's cache for ``OIDC_JWKS_TTL`` seconds (shared between processes when the cache is Redis). A
token signed with a key id the cached set lacks triggers one refresh (issuers rotate keys), but at most
one fetch per issuer every ``OIDC_JWKS_MIN_REFRESH`` seconds, so a flood of tokens with made-up key ids
costs the issuer nothing. Responses are bounded in size and time; redirects are not followed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from hub.oidc.errors import IssuerUnavailable, OidcError
from hub.oidc.issuers import Issuer

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"
MAX_DOCUMENT_BYTES = 512 * 1024
MAX_KEYS = 50


def signing_key(issuer: Issuer, kid: str | None) -> jwt.PyJWK:
    """The issuer's key with id ``kid``, from the cache or, when it is not there, from a refresh."""
    keys = cache.get(_cache_key(issuer))
    if keys is not None and (found := _find(keys, kid, issuer)) is not None:
        return found
    fresh = _refresh(issuer)
    if fresh is None:  # fetched too recently to ask again
        if keys is None:
            raise IssuerUnavailable(
                f"The signing keys of {issuer.url} could not be fetched a moment ago; try again in "
                f"{settings.OIDC_JWKS_MIN_REFRESH} seconds."
            )
        raise OidcError("unknown_key", f"{issuer.url} publishes no key with id {kid!r}.")
    found = _find(fresh, kid, issuer)
    if found is None:
        raise OidcError("unknown_key", f"{issuer.url} publishes no key with id {kid!r}.")
    return found


def _find(keys: list[dict[str, Any]], kid: str | None, issuer: Issuer) -> jwt.PyJWK | None:
    signing = [k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig"]
    if kid is None:
        candidates = signing if len(signing) == 1 else []
    else:
        candidates = [k for k in signing if k.get("kid") == kid]
    if not candidates:
        return None
    try:
        return jwt.PyJWK(candidates[0])
    except jwt.PyJWTError:
        raise OidcError("unknown_key", f"Key {kid!r} of {issuer.url} is not a usable signing key.") from None


def _refresh(issuer: Issuer) -> list[dict[str, Any]] | None:
    """Fetch and cache the key set; None when this issuer was fetched less than the minimum interval ago."""
    if not cache.add(_cache_key(issuer, "fetched"), True, timeout=settings.OIDC_JWKS_MIN_REFRESH):
        return None
    discovery = _get_json(issuer.url + DISCOVERY_PATH, "discovery document")
    if discovery.get("issuer", "").rstrip("/") != issuer.url.rstrip("/"):
        raise IssuerUnavailable(f"The discovery document of {issuer.url} names another issuer.")
    jwks_uri = discovery.get("jwks_uri")
    if not isinstance(jwks_uri, str) or not _same_origin(jwks_uri, issuer.url):
        raise IssuerUnavailable(
            f"The discovery document of {issuer.url} has no jwks_uri on the issuer's host."
        )
    keys = _get_json(jwks_uri, "key set").get("keys")
    if not isinstance(keys, list) or not keys:
        raise IssuerUnavailable(f"The key set of {issuer.url} ({jwks_uri}) has no keys.")
    keys = keys[:MAX_KEYS]
    cache.set(_cache_key(issuer), keys, timeout=settings.OIDC_JWKS_TTL)
    log.info("fetched %d signing key(s) of %s", len(keys), issuer.url)
    return keys


def _get_json(url: str, what: str) -> dict[str, Any]:
    try:
        with requests.get(
            url,
            timeout=settings.OIDC_HTTP_TIMEOUT,
            stream=True,
            allow_redirects=False,
            headers={"Accept": "application/json"},
        ) as response:
            if response.status_code != 200:
                raise IssuerUnavailable(f"The {what} at {url} answered HTTP {response.status_code}.")
            body = bytearray()
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > MAX_DOCUMENT_BYTES:
                    raise IssuerUnavailable(f"The {what} at {url} is larger than {MAX_DOCUMENT_BYTES} bytes.")
    except requests.RequestException as exc:
        raise IssuerUnavailable(f"Cannot fetch the {what} at {url}: {type(exc).__name__}.") from None
    try:
        document = json.loads(body)
    except ValueError:
        raise IssuerUnavailable(f"The {what} at {url} is not JSON.") from None
    if not isinstance(document, dict):
        raise IssuerUnavailable(f"The {what} at {url} is not a JSON object.")
    return document


def _same_origin(url: str, issuer: str) -> bool:
    a, b = urlsplit(url), urlsplit(issuer)
    return a.scheme == b.scheme and a.netloc.lower() == b.netloc.lower()


def _cache_key(issuer: Issuer, kind: str = "keys") -> str:
    return f"oidc:jwks:{kind}:{hashlib.sha256(issuer.url.encode()).hexdigest()[:32]}"
