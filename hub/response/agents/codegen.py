"""Codegen's REST API (docs.codegen.com/api-reference): create an agent run in an organisation, read it,
resume it with more context.

``POST /v1/organizations/{org_id}/agent/run`` with ``{"prompt": ...}`` starts a run and answers its
``AgentRunResponse`` (``id``, ``status``, ``web_url``, ``result``, ``summary``, ``github_pull_requests``
with each pull request's ``url``); ``GET .../agent/run/{id}`` reads it; ``POST .../agent/run/resume`` with
``{"agent_run_id", "prompt"}`` resumes a paused one. Status words come in either case. Its limits (10
creations a minute, 60 reads per 30 seconds) are kept on our side by ``limits.take`` per organisation, so
a 429 is rare; when it comes its ``Retry-After`` is honoured (``effects.RetryLater``). 402 means the
organisation has no credits: a sure refusal, never retried by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agent.providers.base import AuthenticationError, NotFoundError, ProviderError, RateLimitedError
from agent.providers.http import ApiClient
from hub.response.agents import limits
from hub.response.agents.base import Seen, word_state
from hub.response.agents.models import AgentRun, AgentRunState
from hub.response.services import effects

DEFAULT_URL = "https://api.codegen.com"
CREATIONS = (10, 60)  # agent runs created per organisation: 10 a minute
READS = (60, 30)  # other requests: 60 per 30 seconds
TIMEOUT = 30
STATES = {
    **dict.fromkeys(("pending", "queued", "active", "running", "evaluation"), AgentRunState.RUNNING),
    "paused": AgentRunState.PAUSED,
    **dict.fromkeys(("complete", "completed"), AgentRunState.COMPLETED),
    **dict.fromkeys(
        ("failed", "error", "cancelled", "canceled", "timeout", "max_iterations_reached", "out_of_tokens"),
        AgentRunState.FAILED,
    ),
}
NO_CREDITS = (
    "Codegen answered 402 Payment Required: the organisation has no credits left; add credits at "
    "codegen.com, then try the fix job again"
)


class Codegen:
    name = "codegen"

    def __init__(self, connection: Any, rules: dict[str, Any]) -> None:
        self.organization = rules.get("organization") or ""
        if not self.organization:
            raise effects.Refused("no Codegen organisation: set agent.organization in the project's policy")
        token = connection.secret() if connection is not None else ""
        if not token:
            raise effects.Refused(
                "no Codegen API token: set it on the project's agent connection (admin, Responding "
                "to red CI > Agent connections)"
            )
        base = (connection.api_url or DEFAULT_URL).rstrip("/")
        self.api = ApiClient(
            base, provider="Codegen", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT,
            auth_hint="check the Codegen API token on the project's agent connection",
            not_found_hint="check agent.organization and that the token belongs to that organisation",
            max_rate_limit_wait=0, mutation_interval=0, retries=0,
        )  # fmt: skip
        self.path = f"/v1/organizations/{self.organization}/agent/run"

    def start(self, prompt: str, *, key: str, document: dict[str, Any], callback_url: str) -> Seen:
        return self._call("POST", self.path, CREATIONS, json={"prompt": prompt})

    def status(self, run: AgentRun) -> Seen:
        return self._call("GET", f"{self.path}/{run.external_id}", READS)

    def resume(
        self,
        run: AgentRun,
        prompt: str,
        *,
        key: str = "",
        document: dict[str, Any] | None = None,
        callback_url: str = "",
    ) -> Seen:
        """The run itself goes on with the message (Codegen has no key: a lost answer is not resent)."""
        body = {"agent_run_id": int(run.external_id), "prompt": prompt}
        return self._call("POST", f"{self.path}/resume", READS, json=body)

    def find(self, key: str, start: Callable[[], Seen]) -> Seen | None:
        raise effects.Refused(
            "an earlier request may have reached Codegen, whose runs cannot be looked up by the hub's key, "
            "so it is not sent again; look at the organisation's agent runs on codegen.com, then try again"
        )

    def _call(self, method: str, path: str, limit: tuple[int, int], **kwargs: Any) -> Seen:
        wait = limits.take(
            f"codegen:{self.organization}:{'create' if limit is CREATIONS else 'read'}", *limit
        )
        if wait:
            raise effects.RetryLater(f"Codegen's limit of {limit[0]} per {limit[1]} s is used up", wait)
        try:
            answer = self.api.request(method, path, **kwargs).json()
        except RateLimitedError as limited:
            raise effects.RetryLater(f"Codegen answered 429: {limited.message}", limited.wait) from None
        except ProviderError as error:
            if error.status == 402:
                raise effects.Refused(NO_CREDITS, {"status": 402}) from None
            sure = isinstance(error, AuthenticationError | NotFoundError) or (
                error.status is not None and 400 <= error.status < 500
            )
            if sure:
                raise effects.Refused(str(error), {"status": error.status}) from None
            raise
        return seen(answer)


def seen(answer: dict[str, Any]) -> Seen:
    """An ``AgentRunResponse`` in our words; its last pull request is the one linked to the fix job."""
    pulls = [p for p in answer.get("github_pull_requests") or [] if isinstance(p, dict) and p.get("url")]
    word = str(answer.get("status") or "")
    return Seen(
        external_id=str(answer.get("id") or ""),
        state=word_state(word, STATES, AgentRunState.RUNNING),
        status_word=word[:64],
        web_url=str(answer.get("web_url") or "")[:2000],
        pull_request_url=str(pulls[-1]["url"])[:2000] if pulls else "",
        summary=str(answer.get("summary") or answer.get("result") or "")[:4000],
    )
