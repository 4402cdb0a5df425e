"""Tokenless upload: OpenID Connect ID tokens from GitHub Actions, GitLab CI and CircleCI stand in for an
agent token.

A CI job proves which repository and run it is with a JWT its CI signs; the hub checks the signature
against the issuer's published keys (``jwks``), recognises the issuer (``issuers``), binds the token's
repository claims to one project and its run claims to the report (``binding``). ``verify.authenticate``
is the one entry point; ``hub.api.authentication.OidcAuthentication`` plugs it into the ingest views.
No models: what a project pins (audiences, repository ids) lives in ``Project.settings["oidc"]``.
"""
