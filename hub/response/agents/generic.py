"""A generic coding agent behind an HTTP endpoint (OpenHands, Devin, an in-house agent...).

The hub POSTs one JSON document to the connection's URL, signed (``signing``) and with an
``Idempotency-Key`` naming the hand-off attempt: ``{"key", "project", "fix_job", "attempt", "strategy",
"prompt", "context", "callback_url"}``; a round (its pull request's CI ended red) is another such POST
with ``round``, ``resumes`` (the run that opened the pull request) and the red run's context. The agent
answers ``{"id", "status", "status_url"?, "web_url"?,
"pull_request_url"?}``. It reports progress either by calling back (``POST callback_url`` with the same
fields, signed with the same secret) or by being polled at its ``status_url`` (signed GETs). Asked again
with the same ``Idempotency-Key`` it must answer the run it already started, which is how the hub finds a
run after a crash without starting a second. Status words in either case: queued, running, in_progress,
paused, completed, succeeded, failed, error, cancelled.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from agent.providers.base import AuthenticationError, NotFoundError, ProviderError, RateLimitedError
from agent.providers.http import ApiClient
from hub.response.agents import signing
from hub.response.agents.base import Seen, word_state
from hub.response.agents.models import AgentRun, AgentRunState
from hub.response.services import effects

TIMEOUT = 30
STATES = {
    **dict.fromkeys(("queued", "pending", "running", "in_progress", "started"), AgentRunState.RUNNING),
    **dict.fromkeys(("paused", "waiting"), AgentRunState.PAUSED),
    **dict.fromkeys(("completed", "complete", "succeeded", "success", "done"), AgentRunState.COMPLETED),
    **dict.fromkeys(("failed", "failure", "error", "cancelled", "canceled"), AgentRunState.FAILED),
}


class GenericHttp:
    name = "http"

    def __init__(self, connection: Any, rules: dict[str, Any]) -> None:
        if connection is None or not connection.api_url:
            raise effects.Refused("no agent URL: set it on the project's agent connection (admin)")
        self.secret = connection.secret()
        if not self.secret:
            raise effects.Refused("no signing secret: set it on the project's agent connection (admin)")
        self.url = connection.api_url
        self.api = ApiClient(
            self.url, provider="the coding agent", timeout=TIMEOUT,
            auth_hint="the agent refused the hub's signature; check the secret on both sides",
            max_rate_limit_wait=0, mutation_interval=0, retries=0,
        )  # fmt: skip

    def start(self, prompt: str, *, key: str, document: dict[str, Any], callback_url: str) -> Seen:
        body = {**document, "key": key, "prompt": prompt, "callback_url": callback_url}
        return self._send("POST", self.url, body, key)

    def status(self, run: AgentRun) -> Seen:
        if not run.status_url:
            return Seen(run.external_id, run.state, run.status_word)  # it calls back; nothing to poll
        return self._send("GET", run.status_url, None, "")

    def resume(
        self,
        run: AgentRun,
        prompt: str,
        *,
        key: str = "",
        document: dict[str, Any] | None = None,
        callback_url: str = "",
    ) -> Seen:
        """A round: a new signed POST naming the round and the run it follows, under its own
        ``Idempotency-Key``. A paused run is not resumed (the protocol has no pause): a new attempt."""
        if not key:
            raise effects.Refused("the generic agent protocol has no resume; the hub starts a new attempt")
        body = {**(document or {}), "key": key, "resumes": run.external_id, "prompt": prompt,
                "callback_url": callback_url}  # fmt: skip
        return self._send("POST", self.url, body, key)

    def find(self, key: str, start: Callable[[], Seen]) -> Seen | None:
        """The same request again: its ``Idempotency-Key`` makes the agent answer the run it started."""
        return start()

    def _send(self, method: str, url: str, body: dict[str, Any] | None, key: str) -> Seen:
        data = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
        headers = {**signing.headers(self.secret, data), "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        try:
            answer = self.api.request(method, url, data=data or None, headers=headers).json()
        except RateLimitedError as limited:
            raise effects.RetryLater(f"the agent answered 429: {limited.message}", limited.wait) from None
        except ProviderError as error:
            if isinstance(error, AuthenticationError | NotFoundError) or (
                error.status is not None and 400 <= error.status < 500
            ):
                raise effects.Refused(str(error), {"status": error.status}) from None
            raise
        except ValueError:
            raise ProviderError("the agent's answer is not JSON", "check the agent URL") from None
        return seen(answer)


def seen(answer: Any) -> Seen:
    """The agent's answer (or callback) in our words; anything not a JSON object is an empty answer."""
    answer = answer if isinstance(answer, dict) else {}
    word = str(answer.get("status") or "")
    return Seen(
        external_id=str(answer.get("id") or "")[:200],
        state=word_state(word, STATES, AgentRunState.RUNNING),
        status_word=word[:64],
        web_url=_url(answer.get("web_url")),
        status_url=_url(answer.get("status_url")),
        pull_request_url=_url(answer.get("pull_request_url")),
        summary=str(answer.get("summary") or "")[:4000],
    )


def _url(value: Any) -> str:
    text = str(value or "")
    return text[:2000] if text.startswith(("https://", "http://")) else ""
