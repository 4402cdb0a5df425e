"""GitHub's repository and webhook APIs for ``GitHubProvider`` (``R`` = ``/repos/OWNER/NAME``).

- list an account's repositories: ``GET /orgs/{owner}/repos``; an owner that is a user answers 404 there,
  so ``GET /users/{owner}/repos`` (Link pagination on both)
- list hooks: ``GET R/hooks``; create: ``POST R/hooks`` with ``{name: web, active, events, config: {url,
  content_type: json, secret, insecure_ssl: "0"}}``; ping: ``POST R/hooks/{id}/pings`` (204; GitHub sends
  the hook a ``ping`` event)

The token needs Metadata: read (listing) and Webhooks: read and write (fine-grained), or the
``admin:repo_hook`` scope (classic).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from agent.providers.base import NotFoundError, numeric_id
from agent.providers.http import ApiClient, collect
from agent.providers.repositories import HookInfo, RepositoryInfo

PER_PAGE = 100


def repository_info(data: Mapping[str, Any]) -> RepositoryInfo:
    return RepositoryInfo(
        full_name=str(data["full_name"]),
        default_branch=str(data.get("default_branch") or "main"),
        url=str(data.get("html_url") or ""),
        private=bool(data.get("private")),
        archived=bool(data.get("archived")),
        raw=dict(data),
    )


def hook_info(data: Mapping[str, Any]) -> HookInfo:
    config = data.get("config") or {}
    return HookInfo(
        id=str(data["id"]),
        url=str(config.get("url") or ""),
        events=tuple(str(event) for event in data.get("events") or ()),
        active=bool(data.get("active")),
        raw=dict(data),
    )


def list_repositories(http: ApiClient, owner: str, limit: int) -> list[RepositoryInfo]:
    params = {"per_page": PER_PAGE}
    try:
        found = collect(http.link_pages(f"/orgs/{quote(owner)}/repos", params=params), lambda b: b, limit)
    except NotFoundError:  # not an organisation: a user's repositories
        found = collect(http.link_pages(f"/users/{quote(owner)}/repos", params=params), lambda b: b, limit)
    return [repository_info(data) for data in found]


def list_webhooks(http: ApiClient, base: str) -> list[HookInfo]:
    pages = http.link_pages(f"{base}/hooks", params={"per_page": PER_PAGE})
    return [hook_info(data) for data in collect(pages, lambda body: body)]


def create_webhook(http: ApiClient, base: str, url: str, secret: str, events: Sequence[str]) -> HookInfo:
    body = {
        "name": "web",
        "active": True,
        "events": list(events),
        "config": {"url": url, "content_type": "json", "secret": secret, "insecure_ssl": "0"},
    }
    return hook_info(http.json_body(http.request("POST", f"{base}/hooks", json=body)))


def ping_webhook(http: ApiClient, base: str, hook_id: str) -> None:
    number = numeric_id(hook_id, "GitHub webhook", "a hook id is a number (list_webhooks shows them)")
    http.request("POST", f"{base}/hooks/{number}/pings")
