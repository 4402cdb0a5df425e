"""Which repository host a fix is published to, and with which token: GitHub or GitLab.

The CI's own variables say it first, read the way ``orchestrate ci`` reads them
(``agent.commands.ci.config.resolve``: ``GITHUB_REPOSITORY`` with ``GH_TOKEN``/``GITHUB_TOKEN`` and
``GITHUB_API_URL``; ``CI_PROJECT_PATH`` with ``GITLAB_TOKEN``/``CI_JOB_TOKEN`` and ``CI_API_V4_URL``;
``ORCHESTRATE_CI_PROVIDER`` and ``ORCHESTRATE_REPO`` to override). CircleCI has no repository of its own:
it builds a GitHub or GitLab one, which the ``origin`` remote names, as it does on a laptop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from agent.commands.base import UsageError
from agent.commands.ci.config import CiConfig, resolve

HOSTS = ("github", "gitlab")
SCP_LIKE = re.compile(r"^(?:[^@/]+@)?([^:/]+):(?!//)(.+)$")  # git@github.com:owner/name.git


class TargetError(Exception):
    """No repository host could be told, or it is one with no repository API; one line for a person."""


def host_of(url: str) -> tuple[str, str] | None:
    """(host, path) of a clone URL, https or scp-like ssh, credentials left out."""
    if "://" in url:
        parts = urlsplit(url)
        return (parts.hostname or "", parts.path)
    match = SCP_LIKE.match(url)
    return (match.group(1), "/" + match.group(2)) if match else None


def from_remote(url: str | None) -> tuple[str, str, str | None] | None:
    """(provider, repository, instance address) for a GitHub or GitLab clone URL; None otherwise."""
    found = host_of(url or "")
    if found is None:
        return None
    host, path = found
    repo = path.strip("/").removesuffix(".git")
    if host.lower() == "github.com" and repo.count("/") == 1:
        return "github", repo, None
    if "gitlab" in host.lower() and "/" in repo:
        return "gitlab", repo, None if host.lower() == "gitlab.com" else f"https://{host}"
    return None


def target(env: Mapping[str, str], work_tree: Path, origin: str | None) -> CiConfig:
    """The host, repository, API and token to publish with; ``TargetError`` naming what to set."""
    try:
        config: CiConfig | None = resolve(env, cwd=work_tree)
    except UsageError:
        config = None
    if config is not None and config.provider in HOSTS:
        return config
    remote = from_remote(origin)
    if remote is None:
        ran = f" ({config.provider} has no repository API)" if config is not None else ""
        raise TargetError(
            f"cannot tell the GitHub or GitLab repository to publish to{ran}: set ORCHESTRATE_CI_PROVIDER "
            "and ORCHESTRATE_REPO, or clone from github.com or a GitLab instance"
        )
    provider, repo, instance = remote
    try:
        return resolve(env, provider=provider, repo=repo, api_url=instance, cwd=work_tree)
    except UsageError as exc:
        raise TargetError(str(exc)) from None
