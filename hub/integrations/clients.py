"""The one way the hub gets a CI provider's API client for a project.

Everything the hub does at a provider (an operator's re-run, the reconciler's look-up, a failed job's
log) goes through ``client_for(project)``, so the mapping from a project to a client lives here once:
``Project.provider`` to the agent's provider name, ``full_name`` to the repository, ``server_url`` (or the
integration's ``api_url`` override) to the API base, and the integration's encrypted API token. The
clients are the agent's own (``agent.providers``): the CLI and the hub speak to a CI the same way.

The hub calls providers from web requests and from workers, so it waits less for rate limits than the
CLI does (``PROVIDER_MAX_RATE_LIMIT_WAIT``); a longer limit surfaces as ``RateLimitedError`` with the
time it resets, for the caller to report or for the next scheduled pass to retry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from django.conf import settings

from agent.providers import Provider, ProviderError, get_provider
from hub.integrations.crypto import SecretUnreadable
from hub.integrations.models import Integration
from hub.projects.models import Project
from hub.projects.models import Provider as ProjectProvider

# Project.provider -> the agent's provider name. CIs missing here have no client yet.
PROVIDER_NAMES: dict[str, str] = {
    ProjectProvider.GITHUB: "github",
    ProjectProvider.GITHUB_ENTERPRISE: "github",
    ProjectProvider.GITLAB: "gitlab",
    ProjectProvider.GITLAB_SELF_MANAGED: "gitlab",
    ProjectProvider.CIRCLECI: "circleci",
    ProjectProvider.CUSTOM: "custom",
}
# Project.settings key holding provider options passed to the client as ``config`` (GitLab's
# ``workflow_variable``, CircleCI's ``vcs`` or ``definition_id``, a custom CI's endpoints).
CONFIG_KEY = "provider_config"
TOKEN_HINT = "set the project's provider API token in admin (Integrations > Provider API)"  # noqa: S105


class ClientUnavailable(ProviderError):
    """The hub cannot act at this project's CI: no API token configured, or a CI without a client."""


def provider_name(project: Project) -> str:
    """The agent's name for the project's CI; ``ClientUnavailable`` for a CI the hub cannot drive."""
    name = PROVIDER_NAMES.get(project.provider)
    if name is None:
        supported = ", ".join(sorted(set(PROVIDER_NAMES)))
        raise ClientUnavailable(
            f"the hub has no API client for {project.get_provider_display()} ({project.full_name})",
            f"projects on {supported} can be driven from the hub; use your CI's own tools for this one",
        )
    return name


def api_url(project: Project, integration: Integration | None) -> str | None:
    """The API base: the integration's override, else derived from the project's server URL, else the
    provider's public API (None)."""
    if integration is not None and integration.api_url:
        return integration.api_url
    return server_api_url(project.provider, project.server_url)


def server_api_url(provider: str, server_url: str) -> str | None:
    """The API base of a provider's server (``Project.provider``, ``server_url``); None for the public one."""
    server = (server_url or "").rstrip("/")
    if not server:
        return None
    if provider == ProjectProvider.GITHUB_ENTERPRISE and not server.endswith("/api/v3"):
        return server + "/api/v3"  # GitHub Enterprise Server serves its REST API under /api/v3
    return server  # GitLab's client appends /api/v4 to an instance's address itself


def client_for(
    project: Project,
    *,
    session: requests.Session | None = None,
    config_overrides: Mapping[str, Any] | None = None,
    **options: Any,
) -> Provider:
    """A ready client for ``project``'s CI, authenticated with its integration's API token.

    Raises ``ClientUnavailable`` (a ``ProviderError``: message and hint) when the project's CI has no
    client or no token is configured. ``config_overrides`` are laid over the project's provider options;
    ``options`` go to the client (``sleep``, ``timeout``...).
    """
    name = provider_name(project)
    integration = Integration.objects.filter(project=project).first()
    try:
        token = integration.secret("api_token") if integration is not None else None
    except SecretUnreadable as exc:
        raise ClientUnavailable(
            f"the provider API token of {project.full_name} cannot be read", str(exc)
        ) from None
    if not token:
        raise ClientUnavailable(f"{project.full_name} has no provider API token", TOKEN_HINT)
    raw = project.settings.get(CONFIG_KEY) if isinstance(project.settings, dict) else None
    config: dict[str, Any] = dict(raw) if isinstance(raw, dict) else {}
    config.setdefault("max_rate_limit_wait", settings.PROVIDER_MAX_RATE_LIMIT_WAIT)
    config.update(config_overrides or {})
    options.setdefault("timeout", settings.PROVIDER_TIMEOUT)
    return get_provider(
        name,
        project.full_name,
        token=token,
        api_url=api_url(project, integration),
        session=session,
        config=config,
        **options,
    )
