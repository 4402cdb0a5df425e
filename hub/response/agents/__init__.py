"""Coding agents the hub hands failures and tasks to: one adapter module each, with the same interface.

An adapter is a class built from a project's ``AgentConnection`` and its policy's ``agent`` section with
four methods (``base.Adapter``): ``start`` an agent run with a prompt, ``status`` of a run, ``resume`` a
paused run with more context, and ``find`` a run a previous attempt may have started (the check of
``services.effects.once``). A sure "no" from the agent (no credits, a bad token) is ``effects.Refused``;
"wait" (a rate limit, the hub's own limiter) is ``effects.RetryLater``; anything else is an error worth
trying again. Adapters: ``codegen`` (Codegen's REST API) and ``http`` (a generic agent behind a signed
HTTP endpoint, for OpenHands, Devin, an in-house agent...). Add one by copying a module and naming it in
``ADAPTERS`` and in ``policy.schema.AGENT_ADAPTERS``.
"""

from __future__ import annotations

from typing import Any

from hub.response.agents.base import Adapter


def adapter_for(name: str, connection: Any, rules: dict[str, Any]) -> Adapter:
    from hub.response.agents import codegen, generic

    adapters: dict[str, type[Adapter]] = {"codegen": codegen.Codegen, "http": generic.GenericHttp}
    return adapters[name](connection, rules)
