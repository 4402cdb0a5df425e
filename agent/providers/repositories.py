"""Repository hosts behind one set of methods: what the hub asks of GitHub and GitLab when it brings
projects in (``manage.py importprojects``, ``POST /api/v1/projects/import``).

``RepositoryHost`` is a base of every ``Provider``: its methods raise ``UnsupportedOperation`` unless the
provider's module overrides them (GitHub's and GitLab's do, in ``_github_repos`` and ``_gitlab_repos``;
CircleCI and a custom CI host no repositories). Listing an account's repositories needs no repository, so
a client made for an account (``account_client``) names only the organisation, user or group; the webhook
operations act on the client's own repository. Values cross as ``RepositoryInfo`` and ``HookInfo``.

Webhook writes go through the provider's ``ApiClient``, sharing its rate-limit waiting and its spacing of
mutating requests. A hook's secret goes to the provider once, in the body that creates it, and is never
read back or logged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_REPOSITORIES = 1000  # repositories listed for one account: ten pages of a hundred
ACCOUNT = "account"  # the config key that makes a client an account's (``account_client``)


@dataclass(frozen=True)
class RepositoryInfo:
    full_name: str  # OWNER/NAME on GitHub, group/sub/name on GitLab: a project's full_name
    default_branch: str
    url: str
    private: bool
    archived: bool
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class HookInfo:
    id: str
    url: str
    events: tuple[str, ...]
    active: bool
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


class RepositoryHost:
    """The repository operations; each raises ``UnsupportedOperation`` where the CI hosts no code."""

    def _no_repositories(self, operation: str) -> Exception:
        return self.unsupported(operation, "projects are imported from GitHub or GitLab only")  # type: ignore[attr-defined]

    def list_repositories(self, owner: str, *, limit: int = MAX_REPOSITORIES) -> list[RepositoryInfo]:
        """The repositories of ``owner`` (an organisation or user; a GitLab group with its subgroups)
        that the token can see, at most ``limit``, in the provider's order."""
        raise self._no_repositories("list an account's repositories")

    def list_webhooks(self) -> list[HookInfo]:
        """This repository's webhooks."""
        raise self._no_repositories("list webhooks")

    def create_webhook(self, url: str, secret: str, events: Sequence[str]) -> HookInfo:
        """A new active webhook to ``url`` for ``events``, signed (GitHub) or authenticated (GitLab's
        token) with ``secret``."""
        raise self._no_repositories("create webhooks")

    def ping_webhook(self, hook_id: str) -> None:
        """Ask the provider to send the hook a test delivery now."""
        raise self._no_repositories("ping webhooks")

    def find_webhook(self, url: str) -> HookInfo | None:
        """The repository's webhook to ``url``, if one exists (so creating it again is not needed)."""
        wanted = url.rstrip("/")
        return next((hook for hook in self.list_webhooks() if hook.url.rstrip("/") == wanted), None)
