"""Which token issuers the hub trusts, and which projects each may speak for.

Fixed issuers need no configuration (GitHub's public issuer, gitlab.com, CircleCI's per-organisation
issuers). Self-hosted ones are trusted only because a project names the server: a GitHub Enterprise
Server issuer ``https://HOST/_services/token`` needs a ``github-enterprise`` project on ``https://HOST``, a
self-managed GitLab issuer (the instance URL itself) a ``gitlab-self-managed`` project on that URL. So
a token from a server nobody configured is refused before any key is fetched from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from hub.oidc.errors import OidcError
from hub.projects.models import Project, Provider

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
GITLAB_ISSUER = "https://gitlab.com"
_GHES = re.compile(r"^(https://[A-Za-z0-9.-]+(?::\d+)?)/_services/token$")
_CIRCLECI = re.compile(r"^https://oidc\.circleci\.com/org/([0-9a-fA-F-]{36})$")
_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(?::\d+)?(/[A-Za-z0-9._~/-]*)?$")
MAX_ISSUER_CHARS = 300

# Every issuer here signs with RS256; asymmetric only, so a public key can never be used as an HMAC secret.
ALGORITHMS = ("RS256",)


@dataclass(frozen=True)
class Issuer:
    url: str
    family: str  # "github", "gitlab" or "circleci": which claims name the repository and the run
    providers: tuple[str, ...]  # the Project.provider values this issuer may bind to
    server: str = ""  # a self-hosted server's base URL, which the bound project must have
    org_id: str = ""  # CircleCI: the organisation in the issuer URL
    algorithms: tuple[str, ...] = ALGORITHMS


def recognise(iss: object) -> Issuer:
    """The trusted issuer named by a token's ``iss``; OidcError ``unknown_issuer`` otherwise."""
    if not isinstance(iss, str) or not iss or len(iss) > MAX_ISSUER_CHARS:
        raise OidcError("unknown_issuer", "The token has no usable `iss` claim.")
    if iss == GITHUB_ISSUER:
        return Issuer(iss, "github", (Provider.GITHUB,))
    if iss == GITLAB_ISSUER:
        return Issuer(iss, "gitlab", (Provider.GITLAB,))
    if match := _CIRCLECI.match(iss):
        return Issuer(iss, "circleci", (Provider.CIRCLECI,), org_id=match.group(1).lower())
    if (match := _GHES.match(iss)) and _configured(Provider.GITHUB_ENTERPRISE, match.group(1)):
        return Issuer(iss, "github", (Provider.GITHUB_ENTERPRISE,), server=match.group(1))
    if _URL.match(iss) and _configured(Provider.GITLAB_SELF_MANAGED, iss):
        return Issuer(iss, "gitlab", (Provider.GITLAB_SELF_MANAGED,), server=iss)
    raise OidcError(
        "unknown_issuer",
        f"Tokens issued by {iss} are not accepted: the hub trusts GitHub Actions, gitlab.com, CircleCI, and "
        "the GitHub Enterprise or GitLab servers a project names in its server URL.",
    )


def _configured(provider: str, server: str) -> bool:
    server = server.rstrip("/")
    same = Q(server_url__iexact=server) | Q(server_url__iexact=server + "/")
    return Project.objects.filter(same, provider=provider).exists()
