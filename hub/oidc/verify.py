"""Verify an OIDC ID token and bind it to a project: the one entry point of ``hub.oidc``.

The order of checks is the order of trust: the token's shape, a known issuer (before any key is
fetched), an accepted algorithm (asymmetric only: never ``none``, never HMAC), the signature against the
issuer's published key, the issuer, expiry and not-before with ``OIDC_LEEWAY`` seconds of leeway, then
the repository claims against the projects and the audience against what the project accepts. The JWT
maths is PyJWT's; every failure becomes an ``OidcError`` naming the check.
"""

from __future__ import annotations

import re

import jwt
from django.conf import settings

from hub.oidc import issuers, jwks
from hub.oidc.binding import Identity, bind
from hub.oidc.errors import OidcError

MAX_TOKEN_CHARS = 16 * 1024
_JWT = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat"]


def looks_like_jwt(value: str) -> bool:
    """A compact JWS (three base64url parts, a JSON header): agent tokens (``orch_a_...``) never are."""
    return bool(_JWT.match(value))


def authenticate(token: str) -> Identity:
    if len(token) > MAX_TOKEN_CHARS:
        raise OidcError("malformed", f"The token is longer than {MAX_TOKEN_CHARS} characters.")
    if not settings.OIDC_ENABLED:
        raise OidcError("disabled", "This hub does not accept OIDC tokens (OIDC_ENABLED is false).")
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise OidcError("malformed", "The bearer value is not a well-formed JWT.") from None
    issuer = issuers.recognise(unverified.get("iss"))
    algorithm = header.get("alg")
    if algorithm not in issuer.algorithms:
        raise OidcError(
            "bad_algorithm",
            f"Tokens signed with {algorithm!r} are not accepted from {issuer.url} "
            f"(expected {', '.join(issuer.algorithms)}).",
        )
    kid = header.get("kid")
    key = jwks.signing_key(issuer, kid if isinstance(kid, str) else None)
    if key.algorithm_name != algorithm:
        raise OidcError("bad_algorithm", f"Key {kid!r} of {issuer.url} is not an {algorithm} key.")
    try:
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=[algorithm],
            issuer=issuer.url,
            leeway=settings.OIDC_LEEWAY,
            options={"verify_aud": False, "require": REQUIRED_CLAIMS},  # audience: per project, in bind()
        )
    except jwt.ExpiredSignatureError:
        raise OidcError("expired", "The token has expired: request a fresh one in the job.") from None
    except jwt.ImmatureSignatureError:
        raise OidcError(
            "not_yet_valid", "The token is not valid yet (nbf or iat in the future): check the clock."
        ) from None
    except jwt.InvalidSignatureError:
        raise OidcError(
            "bad_signature", f"The token's signature does not verify with {issuer.url}'s key."
        ) from None
    except jwt.MissingRequiredClaimError as exc:
        raise OidcError("missing_claim", f"The token has no {exc.claim} claim.") from None
    except jwt.InvalidIssuerError:
        raise OidcError("unknown_issuer", "The token's issuer changed between checks.") from None
    except jwt.InvalidAlgorithmError:
        raise OidcError("bad_algorithm", f"Tokens signed with {algorithm!r} are not accepted.") from None
    except jwt.PyJWTError as exc:
        raise OidcError("malformed", f"The token is not valid: {type(exc).__name__}.") from None
    return bind(issuer, claims)
