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
  GitHub's best practices ask. Reads are retried twice on connection errors and 502/503/504.
- **Redirects, followed by hand.** Logs and artifacts answer 302 to a storage host. The redirected request
  carries no credentials when it leaves the API's origin (scheme, host, port): ``requests`` would only drop
  ``Authorization``, not ``PRIVATE-TOKEN`` or ``Circle-Token``.
- **Pagination.** ``Link: rel="next"`` (GitHub, GitLab), page numbers, and CircleCI's ``next_page_token``;
  pages are fetched lazily, so a ``limit`` stops the fetching.
- **Bounded bodies.** Downloads stream to disk under a size bound; logs keep their tail in memory.

Sleeping and both clocks are injectable: tests never wait.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from agent import __version__
from agent.hub_client import parse_retry_after
from agent.providers.base import AuthenticationError, NotFoundError, Provider, ProviderError, RateLimitedError

USER_AGENT = f"orchestrate/{__version__} (+https://github.com/orchestrate-ci/orchestrate)"
SAFE_METHODS = frozenset({"GET", "HEAD"})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
TRANSIENT_STATUSES = frozenset({502, 503, 504})
MAX_REDIRECTS = 5
MAX_PAGES = 1000
MAX_MESSAGE_CHARS = 300
FIRST_BACKOFF = 60.0  # GitHub: "wait at least one minute" when a secondary limit gives no time
DEFAULT_MAX_RATE_LIMIT_WAIT = 300.0
MUTATION_INTERVAL = 1.0
CHUNK = 64 << 10
# A 403 is about the token when its message says so (or says nothing); GitHub also answers 403 for
# refusals a new token would not fix ("created over a month ago"), which are plain errors.
PERMISSION_WORDS = (
    "not accessible",
    "permission",
    "forbidden",
    "admin",
    "authenticat",
    "credential",
    "token",
    "scope",
    "sso",
    "saml",
)


def origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: credentials are only ever sent to the origin they belong to."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def without_query(url: str) -> str:
    """A URL fit for a message: no query string (signed storage URLs keep their signature there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else parts.path


def api_message(response: requests.Response) -> str:
    """The API's own explanation of an error, short: ``message`` (GitHub, GitLab) or ``error``."""
    text = ""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for key in ("message", "error", "detail"):
            value = body.get(key)
            if isinstance(value, str) and value:
                text = value
                break
            if isinstance(value, dict | list) and value:
                text = str(value)
                break
    elif not response.headers.get("Content-Type", "").startswith("text/html"):
        text = response.text or ""
    text = " ".join(text.split())
    return text[:MAX_MESSAGE_CHARS] + ("..." if len(text) > MAX_MESSAGE_CHARS else "")


def _server_now(response: requests.Response, fallback: Callable[[], float]) -> float:
    """The server's idea of now (its ``Date`` header), so reset times are not skewed by our clock."""
    value = response.headers.get("Date")
    if value:
        try:
            return parsedate_to_datetime(value).timestamp()
        except (TypeError, ValueError, IndexError):
            pass
    return fallback()


def is_rate_limited(response: requests.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    headers = response.headers
    if headers.get("x-ratelimit-remaining") == "0" or headers.get("Retry-After"):
        return True
    return "rate limit" in api_message(response).lower()


def rate_limit_wait(
    response: requests.Response, backoffs: int, now: Callable[[], float]
) -> tuple[float, bool]:
    """Seconds to wait before asking again, and whether that was a guess (no header said how long):
    Retry-After, else the reset time, else a minute doubled for each earlier guess."""
    server_now = _server_now(response, now)
    retry_after = parse_retry_after(
        response.headers.get("Retry-After"), datetime.fromtimestamp(server_now, UTC)
    )
    if retry_after is not None:
        return retry_after, False
    reset = response.headers.get("x-ratelimit-reset") or response.headers.get("RateLimit-Reset")
    remaining = response.headers.get("x-ratelimit-remaining") or response.headers.get("RateLimit-Remaining")
    if reset and reset.strip().isdigit() and remaining == "0":
        value = int(reset)
        # Epoch seconds (GitHub, GitLab); a small number is a delta (the IETF draft header).
        return (max(0.0, value - server_now + 1) if value > 1_000_000_000 else float(value)), False
    return FIRST_BACKOFF * (2**backoffs), True


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
        """A provider client's API: its address, session, timeout, clocks and ``max_rate_limit_wait``
        from the client; ``label`` names the CI in messages ("GitHub"); the rest is the provider's own."""
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
        resets = datetime.fromtimestamp(_server_now(response, self.now) + wait, UTC).strftime("%H:%M:%S UTC")
        return RateLimitedError(
            f"{self.provider}'s rate limit is exhausted until about {resets} ({wait:.0f} s), longer than the "
            f"{self.max_rate_limit_wait:.0f} s this command waits",
            "try again after that time, or use a token with a higher limit (a GitHub App's, for one)",
            status=response.status_code,
        )

    def _error(self, method: str, response: requests.Response, not_found_hint: str | None) -> ProviderError:
        status = response.status_code
        where = without_query(response.url or "")
        detail = api_message(response)
        response.close()
        suffix = f": {detail}" if detail else ""
        if status == 401:
            return AuthenticationError(
                f"{self.provider} rejected the token (401{suffix})", self.auth_hint, status=status
            )
        if status == 403 and (not detail or any(word in detail.lower() for word in PERMISSION_WORDS)):
            return AuthenticationError(
                f"{self.provider} refused {method} {where} (403{suffix})", self.auth_hint, status=status
            )
        if status == 404:
            return NotFoundError(
                f"{self.provider} has nothing at {where} (404)",
                not_found_hint if not_found_hint is not None else self.not_found_hint,
                status=status,
            )
        if status >= 500:
            return ProviderError(
                f"{self.provider} failed on {method} {where} ({status}{suffix})",
                "the provider is having trouble; try again later",
                status=status,
            )
        if status in REDIRECT_STATUSES:
            return ProviderError(
                f"{self.provider} answered {status} without a Location for {where}", "", status=status
            )
        return ProviderError(
            f"{self.provider} refused {method} {where} ({status}{suffix})", "", status=status
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

    def link_pages(self, path: str, *, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Each page's JSON, following ``Link: <...>; rel="next"`` (the next URL carries the query)."""
        url: str | None = self.url(path)
        page_params = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self.request("GET", url, params=page_params)
            yield self.json_body(response)
            next_url = response.links.get("next", {}).get("url")
            if next_url and origin(urljoin(url, next_url)) not in self.trusted_origins:
                raise ProviderError(
                    f"{self.provider}'s next page is on another host ({origin(next_url)[1]})",
                    "check --api-url: it should be the API's own address",
                )
            url = urljoin(url, next_url) if next_url else None
            page_params = None

    def numbered_pages(
        self,
        path: str,
        *,
        items: Callable[[Any], list[Any]],
        params: Mapping[str, Any] | None = None,
        per_page: int = 100,
    ) -> Iterator[Any]:
        """Each page's JSON for ``page``/``per_page`` APIs; stops at a short page or empty ``X-Next-Page``."""
        for page in range(1, MAX_PAGES + 1):
            response = self.request(
                "GET", path, params={**(params or {}), "page": page, "per_page": per_page}
            )
            body = self.json_body(response)
            yield body
            if len(items(body)) < per_page or response.headers.get("X-Next-Page") == "":
                return

    def token_pages(
        self,
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
            body = self.get_json(path, params=query)
            yield body
            token = body.get(next_key) if isinstance(body, dict) else None
            if not token:
                return

    def download(self, path_or_url: str, dest: Path, *, max_bytes: int) -> Path:
        """Stream a body (through redirects) into ``dest``; over ``max_bytes`` the file is removed."""
        response = self.request("GET", path_or_url, stream=True)
        declared = response.headers.get("Content-Length", "")
        try:
            if declared.isdigit() and int(declared) > max_bytes:
                raise self._too_big(path_or_url, max_bytes)
            dest.parent.mkdir(parents=True, exist_ok=True)
            written = 0
            with open(dest, "wb") as out:
                for chunk in response.iter_content(CHUNK):
                    written += len(chunk)
                    if written > max_bytes:
                        raise self._too_big(path_or_url, max_bytes)
                    out.write(chunk)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        finally:
            response.close()
        return dest

    def _too_big(self, path_or_url: str, max_bytes: int) -> ProviderError:
        return ProviderError(
            f"{self.provider}'s download {without_query(self.url(path_or_url))} is larger than "
            f"{max_bytes >> 20} MiB",
            "download less at a time (one artifact with --name), or raise the bound",
        )

    def read_tail(self, path_or_url: str, *, max_bytes: int, not_found_hint: str | None = None) -> str:
        """A text body (through redirects); when longer than ``max_bytes``, its last ``max_bytes``."""
        response = self.request("GET", path_or_url, stream=True, not_found_hint=not_found_hint)
        buffer = bytearray()
        dropped = 0
        try:
            for chunk in response.iter_content(CHUNK):
                buffer += chunk
                if len(buffer) > max_bytes:
                    excess = len(buffer) - max_bytes
                    dropped += excess
                    del buffer[:excess]
        finally:
            response.close()
        return tail_text(bytes(buffer), dropped)


def tail_text(data: bytes, dropped: int) -> str:
    """Decode a log's kept tail; when the head was cut, start at a whole line and say how much went."""
    if dropped:
        newline = data.find(b"\n")
        if 0 <= newline < len(data) - 1:
            dropped += newline + 1
            data = data[newline + 1 :]
        return f"[... {dropped} bytes cut from the start of the log]\n" + data.decode("utf-8", "replace")
    return data.decode("utf-8", "replace")


def collect(pages: Iterator[Any], items: Callable[[Any], list[Any]], limit: int | None = None) -> list[Any]:
    """The items of successive pages, up to ``limit``; stops fetching pages once it has enough."""
    found: list[Any] = []
    for body in pages:
        for item in items(body):
            found.append(item)
            if limit is not None and len(found) >= limit:
                return found
    return found
