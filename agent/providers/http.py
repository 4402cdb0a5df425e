"""The HTTP machinery every provider client shares, so each provider module only knows its endpoints.

``ApiClient`` does, in one place:

- **Errors that say what to do.** 401, and a 403 about permissions, become ``AuthenticationError`` with
  the provider's hint about tokens, 404 ``NotFoundError`` with a hint about the repository or id, anything
  else ``ProviderError`` with the API's own message (bounded). Query strings never appear in messages: a
  redirect's storage URL carries a signature there.
- **Rate limits.** 429, or 403 with ``x-ratelimit-remaining: 0`` / ``Retry-After`` / a "rate limit"
  message (GitHub's secondary limits): wait for ``Retry-After``, else until ``x-ratelimit-reset`` (epoch
  seconds, read against the answer's ``Date`` so a skewed local clock does not matter), else back off from
  a minute, doubling. The total wait for one request is bounded; past it, ``RateLimitedError`` says when
  the limit resets instead of sleeping for an hour.
- **Politeness.** At most one mutating request (POST, PUT, PATCH, DELETE) per second per client, as
  GitHub's best practices ask. Reads are retried twice on connection errors and 502/503/504; a mutation
  never is (the provider may have acted before failing, and a re-run has no idempotency key): its error
  says that the provider may have acted, and when to ask again if it said (``Retry-After``).
- **Redirects, followed by hand.** Logs and artifacts answer 302 to a storage host. The redirected request
  carries no credentials when it leaves the API's origin (scheme, host, port): ``requests`` would only drop
  ``Authorization``, not ``PRIVATE-TOKEN`` or ``Circle-Token``.
- **Pagination.** ``Link: rel="next"`` (GitHub, GitLab), page numbers, and CircleCI's ``next_page_token``;
  pages are fetched lazily, so a ``limit`` stops the fetching.
- **Bounded bodies.** Downloads stream to disk under a size bound; logs keep their tail in memory.

Sleeping and both clocks are injectable: tests never wait.

This module holds the client and its request loop; the rest sits beside it, each re-exported here so
providers import from one place: ``_http_urls`` (origins, messages' URLs), ``_http_messages`` (errors),
``_http_ratelimit`` (waiting), ``_http_pages`` (pagination, ``collect``) and ``_http_bodies`` (downloads,
log tails).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from agent import __version__
from agent.providers import _http_bodies, _http_pages
from agent.providers._http_bodies import CHUNK, tail_text
from agent.providers._http_messages import (
    MAX_MESSAGE_CHARS,
    PERMISSION_WORDS,
    REDIRECT_STATUSES,
    SAFE_METHODS,
    api_message,
    error_for,
)
from agent.providers._http_pages import MAX_PAGES, collect
from agent.providers._http_ratelimit import (
    DEFAULT_MAX_RATE_LIMIT_WAIT,
    FIRST_BACKOFF,
    is_rate_limited,
    rate_limit_wait,
    rate_limited_error,
)
from agent.providers._http_urls import origin, without_query
from agent.providers.base import Provider, ProviderError, RateLimitedError

__all__ = [
    "CHUNK",
    "DEFAULT_MAX_RATE_LIMIT_WAIT",
    "FIRST_BACKOFF",
    "MAX_MESSAGE_CHARS",
    "MAX_PAGES",
    "MAX_REDIRECTS",
    "MUTATION_INTERVAL",
    "PERMISSION_WORDS",
    "REDIRECT_STATUSES",
    "SAFE_METHODS",
    "TRANSIENT_STATUSES",
    "USER_AGENT",
    "ApiClient",
    "api_message",
    "collect",
    "is_rate_limited",
    "origin",
    "rate_limit_wait",
    "tail_text",
    "without_query",
]

USER_AGENT = f"orchestrate/{__version__} (+https://github.com/orchestrate-ci/orchestrate)"
TRANSIENT_STATUSES = frozenset({502, 503, 504})
MAX_REDIRECTS = 5
MUTATION_INTERVAL = 1.0


class ApiClient:
    """One provider's API: a base URL, the headers that authenticate, and the provider's hints."""

    def __init__(
        self,
        base_url: str,
        *,
        provider: str,
        headers: Mapping[str, str] | None = None,
        session: requests.Session | None = None,
        timeout: float = 30,
        auth_hint: str = "",
        not_found_hint: str = "",
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], float] = time.time,
        max_rate_limit_wait: float = DEFAULT_MAX_RATE_LIMIT_WAIT,
        mutation_interval: float = MUTATION_INTERVAL,
        retries: int = 2,
        trusted_urls: Iterable[str] = (),
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Where credentials may go: the API's origin, and any other the caller vouches for (a custom CI
        # whose endpoints live on two hosts). Redirects elsewhere, and absolute URLs found in payloads,
        # are requested without them.
        self.trusted_origins = {origin(self.base_url), *(origin(url) for url in trusted_urls)}
        self.provider = provider
        self.headers = {"User-Agent": USER_AGENT, **(headers or {})}
        self.session = session or requests.Session()
        self.timeout = timeout
        self.auth_hint = auth_hint
        self.not_found_hint = not_found_hint
        self.sleep = sleep
        self.clock = clock
        self.now = now
        self.max_rate_limit_wait = max_rate_limit_wait
        self.mutation_interval = mutation_interval
        self.retries = retries
        self._last_mutation: float | None = None

    @classmethod
    def for_provider(
        cls,
        provider: Provider,
        label: str,
        *,
        headers: Mapping[str, str],
        auth_hint: str,
        not_found_hint: str,
        trusted_urls: Iterable[str] = (),
    ) -> ApiClient:
        """A provider client's API: its address, session, timeout, clocks, ``max_rate_limit_wait`` and
        ``retries`` from the client; ``label`` names the CI in messages ("GitHub"); the rest is the
        provider's own."""
        return cls(
            provider.api_url,
            provider=label,
            headers=headers,
            session=provider.session,
            timeout=provider.timeout,
            auth_hint=auth_hint,
            not_found_hint=not_found_hint,
            sleep=provider.sleep,
            clock=provider.clock,
            max_rate_limit_wait=float(
                provider.config.get("max_rate_limit_wait", DEFAULT_MAX_RATE_LIMIT_WAIT)
            ),
            retries=int(provider.config.get("retries", 2)),
            trusted_urls=trusted_urls,
        )

    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("https://", "http://")):
            return path_or_url
        return self.base_url + "/" + path_or_url.lstrip("/")

    # -- requests --------------------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        not_found_hint: str | None = None,
    ) -> requests.Response:
        """Send one request (following redirects, waiting out rate limits) and return a 2xx answer.

        Raises the ``ProviderError`` subclass that matches a failure; never returns a 3xx, 4xx or 5xx.
        """
        method = method.upper()
        url = self.url(path_or_url)
        waited = 0.0
        backoffs = 0
        transient = 0
        while True:
            if method not in SAFE_METHODS:
                self._space_mutation()
            response = self._send(method, url, params, json, data, headers, stream)
            if is_rate_limited(response):
                wait, guessed = rate_limit_wait(response, backoffs, self.now)
                backoffs += guessed
                if waited + wait > self.max_rate_limit_wait:
                    response.close()
                    raise self._rate_limited(response, wait)
                response.close()
                self.sleep(wait)
                waited += wait
                continue
            if (
                response.status_code in TRANSIENT_STATUSES
                and method in SAFE_METHODS
                and transient < self.retries
            ):
                response.close()
                transient += 1
                self.sleep(float(2 ** (transient - 1)))
                continue
            if response.status_code >= 300:
                raise self._error(method, response, not_found_hint)
            return response

    def _send(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Any,
        extra_headers: Mapping[str, str] | None,
        stream: bool,
    ) -> requests.Response:
        """One exchange, with redirects followed by hand: credentials never leave the API's origin."""
        headers = {**self.headers, **(extra_headers or {})}
        if origin(url) not in self.trusted_origins:  # an absolute URL from a payload: no credentials
            headers = {"User-Agent": USER_AGENT, **(extra_headers or {})}
        for _ in range(MAX_REDIRECTS + 1):
            response = self._exchange(method, url, params, json, data, headers, stream)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUSES or not location:
                return response
            response.close()
            target = urljoin(url, location)
            if origin(target) not in self.trusted_origins:
                headers = {"User-Agent": USER_AGENT}  # a storage host gets no credentials
            if urlsplit(url).scheme == "https" and urlsplit(target).scheme != "https":
                raise ProviderError(
                    f"{self.provider} redirected {without_query(url)} to a plain-HTTP address",
                    "refusing to follow a redirect that drops TLS; check --api-url",
                )
            if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
                method, json, data = "GET", None, None
            url, params = target, None
        raise ProviderError(
            f"{self.provider} redirected {without_query(url)} more than {MAX_REDIRECTS} times",
            "check --api-url",
        )

    def _exchange(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        json: Any,
        data: Any,
        headers: Mapping[str, str],
        stream: bool,
    ) -> requests.Response:
        """One request and its answer, whatever the status; reads are retried when the line drops."""
        attempts = 0
        while True:
            try:
                return self.session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=headers,
                    timeout=self.timeout,
                    stream=stream,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                if method in SAFE_METHODS and attempts < self.retries:
                    attempts += 1
                    self.sleep(float(2 ** (attempts - 1)))
                    continue
                raise ProviderError(
                    f"could not reach {self.provider} at {without_query(url)} ({type(exc).__name__})",
                    "check the network and --api-url, then try again",
                ) from None

    def _space_mutation(self) -> None:
        if self._last_mutation is not None:
            elapsed = self.clock() - self._last_mutation
            if elapsed < self.mutation_interval:
                self.sleep(self.mutation_interval - elapsed)
        self._last_mutation = self.clock()

    def _rate_limited(self, response: requests.Response, wait: float) -> RateLimitedError:
        return rate_limited_error(
            self.provider, response, wait, max_wait=self.max_rate_limit_wait, now=self.now
        )

    def _error(self, method: str, response: requests.Response, not_found_hint: str | None) -> ProviderError:
        return error_for(
            self.provider,
            method,
            response,
            auth_hint=self.auth_hint,
            not_found_hint=not_found_hint if not_found_hint is not None else self.not_found_hint,
        )

    # -- conveniences ----------------------------------------------------------------------------------

    def get_json(
        self, path_or_url: str, *, params: Mapping[str, Any] | None = None, not_found_hint: str | None = None
    ) -> Any:
        response = self.request("GET", path_or_url, params=params, not_found_hint=not_found_hint)
        return self.json_body(response)

    def json_body(self, response: requests.Response) -> Any:
        """A response's JSON (None for an empty body); ProviderError when it is not JSON."""
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ProviderError(
                f"{self.provider} answered {without_query(response.url or '')} with something else than JSON",
                "check --api-url: it should be the API's base URL",
            ) from None

    # -- pages (``_http_pages``) and bounded bodies (``_http_bodies``) ------------------------------------

    def link_pages(self, path: str, *, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Each page's JSON, following ``Link: <...>; rel="next"`` (the next URL carries the query)."""
        return _http_pages.link_pages(self, path, params=params)

    def numbered_pages(
        self,
        path: str,
        *,
        items: Callable[[Any], list[Any]],
        params: Mapping[str, Any] | None = None,
        per_page: int = 100,
    ) -> Iterator[Any]:
        """Each page's JSON for ``page``/``per_page`` APIs; stops at a short page or empty ``X-Next-Page``."""
        return _http_pages.numbered_pages(self, path, items=items, params=params, per_page=per_page)

    def token_pages(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        token_param: str = "page-token",  # noqa: S107 (a query parameter's name)
        next_key: str = "next_page_token",
    ) -> Iterator[Any]:
        """Each page's JSON for APIs that hand back a cursor (CircleCI's ``next_page_token``)."""
        return _http_pages.token_pages(self, path, params=params, token_param=token_param, next_key=next_key)

    def download(self, path_or_url: str, dest: Path, *, max_bytes: int) -> Path:
        """Stream a body (through redirects) into ``dest``; over ``max_bytes`` the file is removed."""
        return _http_bodies.download(self, path_or_url, dest, max_bytes=max_bytes)

    def read_tail(self, path_or_url: str, *, max_bytes: int, not_found_hint: str | None = None) -> str:
        """A text body (through redirects); when longer than ``max_bytes``, its last ``max_bytes``."""
        return _http_bodies.read_tail(self, path_or_url, max_bytes=max_bytes, not_found_hint=not_found_hint)
