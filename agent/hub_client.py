"""Talks to the hub's HTTP API: uploads, the quarantine list, responses and fix jobs, retried politely.

Retry policy, in one place: connection errors, timeouts and 5xx answers are retried, and so is 429;
other 4xx answers are final (a bad token does not get better by asking again). Waits grow exponentially
with full jitter (a random wait between 0 and ``base * 2**n``, capped), so a fleet of CI jobs that lost
the hub at the same moment does not come back at the same moment. A ``Retry-After`` header on 429/503,
in seconds or as an HTTP date, replaces the computed wait; one asking for more than ``MAX_RETRY_AFTER``
ends the retries, because a CI job should not sleep for an hour.

Bodies are streamed from disk (the report spool, an artifact file), never read whole into memory, and
re-opened for each try. Sleeping and the clock are injectable so tests do not wait.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Protocol

import requests

from agent import __version__

USER_AGENT = f"orchestrate-agent/{__version__}"
REPORTS_PATH = "/api/v1/reports"
ARTIFACTS_PATH = "/api/v1/artifacts"
QUARANTINE_PATH = "/api/v1/quarantine"
RUN_CONTEXT_PATH = "/api/v1/runs/{run_id}/context"
RESPOND_PATH = "/api/v1/runs/{run}/respond"
FIX_JOB_PATH = "/api/v1/fix-jobs/{job}/"
BASE_DELAY = 1.0
MAX_DELAY = 30.0
MAX_RETRY_AFTER = 120.0
RETRY_AFTER_STATUSES = frozenset({429, 503})
MAX_ERROR_TEXT = 500
_ERRNO = re.compile(r"\[Errno -?\d+\][^'\")]*")


class HubError(Exception):
    """The hub did not take the upload. ``status`` is the last HTTP status, if there was an answer."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class HubRejected(HubError):
    """A final refusal (4xx other than 429, or a redirect): fix the token, the URL or the report."""


class HubUnavailable(HubError):
    """The hub could not be reached, or kept failing, after every retry."""


@dataclass(frozen=True)
class HubReply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    attempts: int = 1
    replayed: bool = False  # the hub already had this upload (``Idempotent-Replayed: true``)
    text: str = ""  # the body as text, for answers that are not JSON (a Markdown document)

    @property
    def duplicate(self) -> bool:
        """An idempotent replay, however the hub says it: the header, ``"duplicate": true``, or 200."""
        return self.replayed or self.body.get("duplicate") is True or self.status == 200


def backoff_delay(
    retry: int, *, rand: Callable[[], float], base: float = BASE_DELAY, cap: float = MAX_DELAY
) -> float:
    """Full jitter: uniform in [0, min(cap, base * 2**retry)] for the ``retry``-th retry (0-based)."""
    return rand() * min(cap, base * (2**retry))


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if unusable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


class _Body(Protocol):
    """What ``requests`` can stream: an open file, or ``MultipartBody``."""

    def read(self, size: int = -1) -> bytes: ...

    def close(self) -> None: ...


class HubClient:
    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 30.0,
        retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        session: requests.Session | None = None,
        on_retry: Callable[[str, float], None] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.retries = retries
        self._sleep = sleep
        self._rand = rand
        self._now = now
        self._session = session or requests.Session()
        self._on_retry = on_retry

    def upload_report(self, path: Path, idempotency_key: str) -> HubReply:
        """POST a gzip report document (``agent.upload`` writes it) to ``/api/v1/reports``."""
        headers = {
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "Idempotency-Key": idempotency_key,
        }
        return self._post(REPORTS_PATH, headers, lambda: open(path, "rb"))

    def upload_artifact(self, path: Path, fields: Mapping[str, str]) -> HubReply:
        """POST one file as multipart/form-data (``fields`` plus the file part ``file``), streamed."""
        boundary = uuid.uuid4().hex
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self._post(ARTIFACTS_PATH, headers, lambda: MultipartBody(fields, path, boundary))

    def get_quarantine(self, project: str | None = None) -> HubReply:
        """GET the project's active quarantine list (``agent.quarantine.QuarantineList`` reads it); with an
        agent token the project may be left out."""
        params = {"project": project} if project else None
        return self._send("GET", QUARANTINE_PATH, {}, None, params=params)

    def get_run_context(self, run_id: int, *, markdown: bool = False) -> HubReply:
        """GET a run's failure context: the JSON document in ``body``, or with ``markdown`` its Markdown
        in ``text``."""
        accept = {"Accept": "text/markdown"} if markdown else {}
        return self._send("GET", RUN_CONTEXT_PATH.format(run_id=run_id), accept, None)

    def respond(self, run_id: int) -> HubReply:
        """Ask the hub to respond to run ``run_id`` now (idempotent: retried safely); its fix jobs."""
        return self._send("POST", RESPOND_PATH.format(run=run_id), {}, None)

    def get_fix_job(self, job_id: int) -> HubReply:
        """One fix job with its timeline (``ci fix --wait`` follows it)."""
        return self._send("GET", FIX_JOB_PATH.format(job=job_id), {}, None)

    def _post(self, route: str, headers: Mapping[str, str], open_body: Callable[[], _Body]) -> HubReply:
        return self._send("POST", route, headers, open_body)

    def _send(
        self,
        method: str,
        route: str,
        headers: Mapping[str, str],
        open_body: Callable[[], _Body] | None,
        params: Mapping[str, str] | None = None,
    ) -> HubReply:
        url = self.base_url + route
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **headers}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            attempt += 1
            body = open_body() if open_body else None
            try:
                response = self._session.request(
                    method,
                    url,
                    data=body,
                    params=params,
                    headers=all_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                problem, wait, status = f"cannot reach {self.base_url}: {_reason(exc)}", None, None
            except requests.RequestException as exc:
                raise HubUnavailable(f"cannot send to {url}: {exc}") from None
            else:
                status = response.status_code
                if status < 300:
                    replayed = response.headers.get("Idempotent-Replayed", "").strip().lower() == "true"
                    return HubReply(
                        status,
                        _json_object(response),
                        attempts=attempt,
                        replayed=replayed,
                        text=response.text,
                    )
                if 300 <= status < 400:
                    where = response.headers.get("Location", "elsewhere")
                    raise HubRejected(
                        f"the hub redirected the request to {where}: set the hub URL to the final address",
                        status=status,
                    )
                code, message = _error_of(response)
                if 400 <= status < 500 and status != 429:
                    raise HubRejected(message, status=status, code=code)
                problem = f"the hub answered {status}: {message}"
                wait = None
                if status in RETRY_AFTER_STATUSES:
                    wait = parse_retry_after(response.headers.get("Retry-After"), self._now())
                    if wait is not None and wait > MAX_RETRY_AFTER:
                        raise HubUnavailable(
                            f"{problem} (asked to retry after {wait:.0f} s; giving up)",
                            status=status,
                            code=code,
                        )
            finally:
                if body is not None:
                    body.close()
            if attempt > self.retries:
                tries = "1 try" if attempt == 1 else f"{attempt} tries"
                raise HubUnavailable(f"{problem} (after {tries})", status=status)
            delay = wait if wait is not None else backoff_delay(attempt - 1, rand=self._rand)
            if self._on_retry:
                self._on_retry(problem, delay)
            self._sleep(delay)


class MultipartBody:
    """A multipart/form-data body that reads its file part from disk as it is sent.

    requests would build the whole body in memory; this object has a length (so Content-Length is set
    and no chunked encoding is needed) and a ``read`` that walks the preamble, the file and the epilogue.
    """

    def __init__(self, fields: Mapping[str, str], path: Path, boundary: str) -> None:
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{_quote(name)}"\r\n\r\n{value}\r\n'
            for name, value in fields.items()
        ]
        parts.append(
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{_quote(path.name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        self._head = "".join(parts).encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._file = open(path, "rb")  # noqa: SIM115 closed by close(), after the request
        self._length = len(self._head) + os.fstat(self._file.fileno()).st_size + len(self._tail)
        self._pending = self._head
        self._file_done = False

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while size < 0 or len(out) < size:
            want = -1 if size < 0 else size - len(out)
            if self._pending:
                take = self._pending if want < 0 else self._pending[:want]
                self._pending = self._pending[len(take) :]
                out += take
            elif not self._file_done:
                chunk = self._file.read(want)
                if chunk and want >= 0:
                    out += chunk
                    continue
                out += chunk
                self._file_done = True
                self._pending = self._tail
                self._tail = b""
            else:
                break
        return bytes(out)

    def close(self) -> None:
        self._file.close()


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _json_object(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _error_of(response: requests.Response) -> tuple[str | None, str]:
    """The hub's ``{"error": {"code", "message"}}``, or a clipped text body from something in between."""
    error = _json_object(response).get("error")
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        code = error.get("code") if isinstance(error.get("code"), str) else None
        return code, error["message"]
    text = (response.text or "").strip()[:MAX_ERROR_TEXT]
    return None, text or response.reason or f"HTTP {response.status_code}"


def _reason(exc: Exception) -> str:
    """The part of a requests connection error a person needs ("[Errno 111] Connection refused")."""
    if isinstance(exc, requests.Timeout):
        return "timed out"
    text = str(exc)
    errno = _ERRNO.search(text)
    if errno:
        return errno.group(0).strip()
    if "RemoteDisconnected" in text or "Connection aborted" in text:
        return "the connection was closed without an answer"
    return text if len(text) <= MAX_ERROR_TEXT else text[:MAX_ERROR_TEXT] + "..."
