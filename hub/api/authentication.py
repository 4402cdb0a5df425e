"""Bearer-token authentication for people (API tokens) and the agent (project tokens).

Both kinds are looked up by their lookup id and checked against an HMAC in constant time
(``hub.projects.tokens``). An agent token authenticates no user: it carries its project, and only the
ingest endpoints accept it.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

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
                "This endpoint takes a project's agent token (orch_a_...); create one with "
                "`manage.py createproject` or in the admin."
            )
        token = AgentToken.authenticate(plain)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked agent token.")
        return AgentPrincipal(token), token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="ingest"'
