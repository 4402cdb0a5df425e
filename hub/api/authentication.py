"""Bearer-token authentication for people (API tokens) and the agent (project tokens or CI OIDC tokens).

Both kinds are looked up by their lookup id and checked against an HMAC in constant time
(``hub.projects.tokens``). An agent token authenticates no user: it carries its project, and only the
ingest endpoints and the quarantine list (read-only) accept it. A CI's OIDC token (a JWT) is verified by
``hub.oidc`` and stands in for an agent token, bound to one project and one run.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions
from rest_framework.authentication import SessionAuthentication

from hub.oidc.errors import IssuerUnavailable, OidcError
from hub.oidc.verify import authenticate as verify_oidc_token
from hub.oidc.verify import looks_like_jwt
from hub.projects.models import AgentToken, ApiToken


def bearer_token(request) -> str | None:
    header = authentication.get_authorization_header(request).decode("latin-1")
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in {"bearer", "token"} or not value.strip():
        return None
    return value.strip()


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        plain = bearer_token(request)
        if plain is None or not plain.startswith("orch_u_"):
            return None
        token = ApiToken.authenticate(plain)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API token.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class AgentPrincipal:
    """Stands in for a user on ingest requests: it may write to exactly one project."""

    is_authenticated = True
    is_active = True
    is_superuser = False
    is_staff = False
    is_anonymous = False

    def __init__(self, token: AgentToken) -> None:
        self.token = token
        self.project = token.project
        self.pk = f"agent-token-{token.pk}"  # rate limits are per token, not shared by every agent

    def __str__(self) -> str:
        return f"agent token {self.token.display} for {self.project}"


class AgentTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        plain = bearer_token(request)
        if plain is None:
            return None
        if not plain.startswith("orch_a_"):
            raise exceptions.AuthenticationFailed(
                "This endpoint takes a project's agent token (orch_a_...; create one with "
                "`manage.py createproject` or in the admin) or a CI's OIDC token (docs/oidc.md)."
            )
        token = AgentToken.authenticate(plain)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked agent token.")
        return AgentPrincipal(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="ingest"'


class OidcPrincipal(AgentPrincipal):
    """An upload authenticated by a CI's OIDC token: like an agent token, one project, and one run."""

    def __init__(self, identity) -> None:
        self.token = None
        self.identity = identity
        self.project = identity.project
        self.pk = f"oidc-{identity.family}-{identity.repository}"  # rate limits per repository

    def __str__(self) -> str:
        return f"OIDC token of {self.identity.repository} run {self.identity.run_id} for {self.project}"


class OidcAuthenticationFailed(exceptions.AuthenticationFailed):
    """401 whose error code names the failed check (``oidc_expired``, ``oidc_wrong_audience``, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.default_code = f"oidc_{reason}"


class OidcAuthenticationError(exceptions.APIException):
    status_code = 503
    default_code = "oidc_issuer_unavailable"


class OidcAuthentication(authentication.BaseAuthentication):
    """A bearer value that is a JWT goes here (``hub.oidc``); anything else to the agent token."""

    def authenticate(self, request):
        plain = bearer_token(request)
        if plain is None or not looks_like_jwt(plain):
            return None
        try:
            identity = verify_oidc_token(plain)
        except OidcError as exc:
            raise OidcAuthenticationFailed(exc.reason, exc.message) from None
        except IssuerUnavailable as exc:
            raise OidcAuthenticationError(exc.message) from None
        return OidcPrincipal(identity), identity

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="ingest"'


# For reads a CI job makes of its own project (the quarantine list, a run's failure context): a person's
# token, the CI's OIDC token, the agent token, a session, in that order, since the agent token's class
# refuses any other bearer value.
AGENT_READ_AUTHENTICATION = (
    ApiTokenAuthentication,
    OidcAuthentication,
    AgentTokenAuthentication,
    SessionAuthentication,
)
