"""GitLab's group projects and project hooks APIs for ``GitLabProvider`` (``P`` = ``/projects/{id}``).

- list a group's projects: ``GET /groups/{path}/projects?include_subgroups=true&archived=false`` (pages by
  ``X-Next-Page``); an owner that is a user answers 404 there, so ``GET /users/{owner}/projects``
- list hooks: ``GET P/hooks``; create: ``POST P/hooks`` with ``{url, token, enable_ssl_verification,
  <event>_events: true...}``; test: ``POST P/hooks/{id}/test/push_events`` (GitLab sends the hook a push
  event built from the latest commit; a project without commits answers 422)

A hook's events are GitLab's flag names (``pipeline_events``, ``job_events``, ``merge_requests_events``,
``push_events``). The token needs the ``api`` scope and the Maintainer role on the projects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from agent.providers.base import NotFoundError, numeric_id
from agent.providers.http import ApiClient, collect
from agent.providers.repositories import HookInfo, RepositoryInfo

PER_PAGE = 100
TEST_TRIGGER = "push_events"


def repository_info(data: Mapping[str, Any]) -> RepositoryInfo:
    return RepositoryInfo(
        full_name=str(data["path_with_namespace"]),
        default_branch=str(data.get("default_branch") or "main"),
        url=str(data.get("web_url") or ""),
        private=data.get("visibility") != "public",
        archived=bool(data.get("archived")),
        raw=dict(data),
    )


def hook_info(data: Mapping[str, Any]) -> HookInfo:
    events = tuple(key for key, value in data.items() if key.endswith("_events") and value is True)
    return HookInfo(
        id=str(data["id"]), url=str(data.get("url") or ""), events=events, active=True, raw=dict(data)
    )


def list_repositories(http: ApiClient, owner: str, limit: int) -> list[RepositoryInfo]:
    path = quote(owner.strip().strip("/"), safe="")
    params = {"include_subgroups": "true", "archived": "false", "order_by": "path", "sort": "asc"}

    def read(url: str, query: Mapping[str, Any]) -> list[Any]:
        pages = http.numbered_pages(url, items=lambda body: body, params=query, per_page=PER_PAGE)
        return collect(pages, lambda body: body, limit)

    try:
        found = read(f"/groups/{path}/projects", params)
    except NotFoundError:  # not a group: a user's own projects
        found = read(f"/users/{path}/projects", {"archived": "false", "order_by": "path", "sort": "asc"})
    return [repository_info(data) for data in found]


def list_webhooks(http: ApiClient, base: str) -> list[HookInfo]:
    pages = http.numbered_pages(f"{base}/hooks", items=lambda body: body, per_page=PER_PAGE)
    return [hook_info(data) for data in collect(pages, lambda body: body)]


def create_webhook(http: ApiClient, base: str, url: str, secret: str, events: Sequence[str]) -> HookInfo:
    body: dict[str, Any] = {"url": url, "token": secret, "enable_ssl_verification": True}
    body.update({event: True for event in events})
    if "push_events" not in events:
        body["push_events"] = False  # GitLab's default is on
    return hook_info(http.json_body(http.request("POST", f"{base}/hooks", json=body)))


def ping_webhook(http: ApiClient, base: str, hook_id: str) -> None:
    number = numeric_id(hook_id, "GitLab hook", "a hook id is a number (list_webhooks shows them)")
    http.request("POST", f"{base}/hooks/{number}/test/{TEST_TRIGGER}")
