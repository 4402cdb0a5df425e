"""Which secret authenticates a provider's deliveries for a project.

A project's own secret (its Integration) takes precedence; a project without one is covered by the
hub-wide secret for that provider from the environment (``GITHUB_WEBHOOK_SECRET``,
``GITLAB_WEBHOOK_TOKEN``, ``CIRCLECI_WEBHOOK_SECRET``), which is how one organisation-wide hook serves
every project. A project that has its own secret does not accept the hub-wide one.
"""

from __future__ import annotations

from django.conf import settings

from hub.integrations.models import Integration
from hub.projects.models import Project

HUB_WIDE_SETTING = {
    "github": "GITHUB_WEBHOOK_SECRET",
    "gitlab": "GITLAB_WEBHOOK_TOKEN",
    "circleci": "CIRCLECI_WEBHOOK_SECRET",
}


def integration_of(project: Project) -> Integration | None:
    return Integration.objects.filter(project=project).first()


def hub_wide_secret(provider: str) -> str | None:
    return getattr(settings, HUB_WIDE_SETTING[provider], None) or None


def webhook_secret(provider: str, project: Project | None) -> str | None:
    """The secret a delivery from ``provider`` about ``project`` must be signed with, if any is set."""
    integration = integration_of(project) if project is not None else None
    if integration is not None and integration.has_secret("webhook_secret"):
        return integration.secret("webhook_secret")
    return hub_wide_secret(provider)


def setting_hint(provider: str) -> str:
    return f"set the project's webhook secret in admin (Integrations) or {HUB_WIDE_SETTING[provider]}"
