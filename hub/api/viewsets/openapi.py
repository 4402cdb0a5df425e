"""Tell drf-spectacular how our bearer tokens look, so the schema and /api/docs/ can use them.

Importing this module registers the extensions (drf-spectacular keeps a registry of subclasses). They
name the authentication classes by path, so this module imports nothing of ours.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object("Authorization", "Bearer", bearer_format="orch_u_...")
        return {**scheme, "description": "A person's API token (`manage.py createtoken`)."}


class AgentTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.authentication.AgentTokenAuthentication"
    name = "agentToken"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object("Authorization", "Bearer", bearer_format="orch_a_...")
        return {**scheme, "description": "A project's agent token, for uploads and the quarantine list."}


class OidcTokenScheme(OpenApiAuthenticationExtension):
    target_class = "hub.api.authentication.OidcAuthentication"
    name = "oidcToken"

    def get_security_definition(self, auto_schema):
        scheme = build_bearer_security_scheme_object("Authorization", "Bearer", bearer_format="JWT")
        return {
            **scheme,
            "description": "A CI's OpenID Connect ID token (GitHub Actions, GitLab CI, CircleCI), bound to "
            "its repository's project and its run; see docs/oidc.md.",
        }
