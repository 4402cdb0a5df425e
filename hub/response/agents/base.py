"""What every coding-agent adapter offers, and what it answers, as plain data."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from hub.response.agents.models import AgentRun


@dataclass(frozen=True)
class Seen:
    """An agent run as the agent shows it: our state for its status word, and what it produced."""

    external_id: str
    state: str  # AgentRunState
    status_word: str = ""
    web_url: str = ""
    status_url: str = ""
    pull_request_url: str = ""
    summary: str = ""


class Adapter(Protocol):
    name: str

    def __init__(self, connection: Any, rules: dict[str, Any]) -> None: ...

    def start(self, prompt: str, *, key: str, document: dict[str, Any], callback_url: str) -> Seen:
        """Start an agent run (``key`` names it once; ``document`` is the context as data)."""

    def status(self, run: AgentRun) -> Seen:
        """How the run stands now."""

    def resume(
        self,
        run: AgentRun,
        prompt: str,
        *,
        key: str = "",
        document: dict[str, Any] | None = None,
        callback_url: str = "",
    ) -> Seen:
        """Give the run more to do and let it go on: a paused run more context, or (``key`` naming the
        round once) the red CI of the pull request it opened."""

    def find(self, key: str, start: Callable[[], Seen]) -> Seen | None:
        """The run a previous attempt started under ``key`` (``start`` sends that attempt's request
        again), None when the agent shows none; raises ``effects.Refused`` when the agent cannot be
        asked (the job then waits for a person)."""


def word_state(word: str, table: dict[str, str], default: str) -> str:
    """Our state for an agent's status word, in either case (``ACTIVE``, ``active``)."""
    return table.get((word or "").strip().lower(), default)
