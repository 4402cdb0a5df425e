"""The three ways provider APIs page a list, behind ``ApiClient.link_pages``, ``numbered_pages`` and
``token_pages``: ``Link: rel="next"`` (GitHub, GitLab), page numbers, and a cursor (CircleCI's
``next_page_token``).

Pages are generators, fetched lazily, so ``collect`` with a ``limit`` stops the fetching; ``MAX_PAGES``
bounds a provider that never says "last page".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from agent.providers._http_urls import origin
from agent.providers.base import ProviderError

if TYPE_CHECKING:
    from agent.providers.http import ApiClient

MAX_PAGES = 1000


def link_pages(client: ApiClient, path: str, *, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
    """Each page's JSON, following ``Link: <...>; rel="next"`` (the next URL carries the query); a next
    page on another origin is refused, since it would be sent the credentials."""
    url: str | None = client.url(path)
    page_params = params
    for _ in range(MAX_PAGES):
        if url is None:
            return
        response = client.request("GET", url, params=page_params)
        yield client.json_body(response)
        next_url = response.links.get("next", {}).get("url")
        if next_url and origin(urljoin(url, next_url)) not in client.trusted_origins:
            raise ProviderError(
                f"{client.provider}'s next page is on another host ({origin(next_url)[1]})",
                "check --api-url: it should be the API's own address",
            )
        url = urljoin(url, next_url) if next_url else None
        page_params = None


def numbered_pages(
    client: ApiClient,
    path: str,
    *,
    items: Callable[[Any], list[Any]],
    params: Mapping[str, Any] | None = None,
    per_page: int = 100,
) -> Iterator[Any]:
    """Each page's JSON for ``page``/``per_page`` APIs; stops at a short page or empty ``X-Next-Page``."""
    for page in range(1, MAX_PAGES + 1):
        response = client.request("GET", path, params={**(params or {}), "page": page, "per_page": per_page})
        body = client.json_body(response)
        yield body
        if len(items(body)) < per_page or response.headers.get("X-Next-Page") == "":
            return


def token_pages(
    client: ApiClient,
    path: str,
    *,
    params: Mapping[str, Any] | None = None,
    token_param: str = "page-token",  # noqa: S107 (a query parameter's name)
    next_key: str = "next_page_token",
) -> Iterator[Any]:
    """Each page's JSON for APIs that hand back a cursor (CircleCI's ``next_page_token``)."""
    token: str | None = None
    for _ in range(MAX_PAGES):
        query = {**(params or {}), **({token_param: token} if token else {})}
        body = client.get_json(path, params=query)
        yield body
        token = body.get(next_key) if isinstance(body, dict) else None
        if not token:
            return


def collect(pages: Iterator[Any], items: Callable[[Any], list[Any]], limit: int | None = None) -> list[Any]:
    """The items of successive pages, up to ``limit``; stops fetching pages once it has enough."""
    found: list[Any] = []
    for body in pages:
        for item in items(body):
            found.append(item)
            if limit is not None and len(found) >= limit:
                return found
    return found
