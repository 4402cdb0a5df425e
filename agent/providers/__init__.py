"""Outbound clients for CI providers: one module per provider, the same methods each (``base.Provider``).

``get_provider("github", "OWNER/NAME", token=...)`` returns a ready client. Provider modules are imported
only when asked for, so a caller pays for one provider, and the registry names a provider before its module
exists. A provider module holds one ``Provider`` subclass whose ``name`` is the registry key.
"""

from __future__ import annotations

import importlib
from typing import Any

from agent.providers.base import (
    ArtifactInfo,
    AuthenticationError,
    Comment,
    Conclusion,
    DownloadTooLarge,
    JobInfo,
    NotFoundError,
    Provider,
    ProviderError,
    RateLimitedError,
    RunInfo,
    RunStatus,
    Triggered,
    UnsupportedOperation,
)
from agent.providers.repositories import ACCOUNT

# name -> module under agent.providers
PROVIDERS: dict[str, str] = {
    "github": "github",
    "gitlab": "gitlab",
    "circleci": "circleci",
    "custom": "custom",
}

__all__ = [
    "PROVIDERS",
    "ArtifactInfo",
    "AuthenticationError",
    "Comment",
    "Conclusion",
    "DownloadTooLarge",
    "JobInfo",
    "NotFoundError",
    "Provider",
    "ProviderError",
    "RateLimitedError",
    "RunInfo",
    "RunStatus",
    "Triggered",
    "UnsupportedOperation",
    "account_client",
    "get_provider",
    "provider_class",
]


def provider_class(name: str) -> type[Provider]:
    """The ``Provider`` subclass registered as ``name``; ProviderError for an unknown or missing one."""
    key = (name or "").strip().lower()
    if key not in PROVIDERS:
        raise ProviderError(
            f"unknown provider {name!r}", f"use one of: {', '.join(sorted(PROVIDERS))} (--provider)"
        )
    module_name = f"agent.providers.{PROVIDERS[key]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise ProviderError(f"the {key} provider is not available in this version", "") from None
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Provider)
            and value.__module__ == module_name
            and getattr(value, "name", None) == key
        ):
            return value
    raise ProviderError(f"{module_name} defines no Provider subclass named {key!r}", "")


def account_client(name: str, owner: str, **kwargs: Any) -> Provider:
    """A client for an organisation, user or group ``owner`` rather than a repository: for listing its
    repositories (``list_repositories``) before any of them is a project. ``kwargs`` as ``get_provider``."""
    config = {**(kwargs.pop("config", None) or {}), ACCOUNT: True}
    return get_provider(name, owner, config=config, **kwargs)


def get_provider(name: str, repo: str, **kwargs: Any) -> Provider:
    """A client for provider ``name`` on ``repo``; ``kwargs`` are ``Provider.__init__``'s keywords."""
    return provider_class(name)(repo, **kwargs)
