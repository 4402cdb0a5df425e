"""``report --fail-on unquarantined``: fetch the project's quarantine list before the reports are read.

Fail safe: when the list cannot be had (no hub or token configured, the hub unreachable or refusing, an
answer the agent cannot read), the step fails on any failure, as ``--fail-on failures`` would. Passing a
build because the list was missing would let a real regression through unseen; a red build with a clear
message costs one re-run.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from agent.commands import connection
from agent.commands.base import Runtime

if TYPE_CHECKING:
    from agent.quarantine import QuarantineList

FALLBACK = "every failure fails the step (fail safe)"


@dataclass
class QuarantineStatus:
    """What the agent knows about the quarantine: ``fetched`` with the list, or why it has none."""

    state: str  # fetched, not_configured, rejected, unavailable, unreadable
    message: str
    entries: QuarantineList | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "message": self.message,
            "entries": None if self.entries is None else len(self.entries),
        }


def fetch(
    conn: connection.Connection,
    project: str | None,
    runtime: Runtime,
    github: bool,
    commands: Any,
) -> QuarantineStatus:
    """Fetch the list, printing what happened (a warning when it could not be had)."""
    from agent.commands.delivery import problem

    if not conn.hub_url or not conn.token:
        missing = "no hub configured (--hub or ORCHESTRATE_HUB_URL)" if not conn.hub_url else "no token"
        status = QuarantineStatus(
            "not_configured", f"cannot fetch the quarantine list: {missing}; {FALLBACK}"
        )
        problem(runtime, github, commands, "warning", "Orchestrate quarantine list", status.message)
        return status
    from agent.hub_client import HubRejected, HubUnavailable
    from agent.quarantine import QuarantineList

    runtime.err(f"fetching the quarantine list from {conn.hub_url} ...")
    try:
        reply = conn.client(runtime).get_quarantine(project)
        entries = QuarantineList.from_json(reply.body)
    except HubRejected as exc:
        state, reason = "rejected", f"the hub refused ({exc.status}): {exc.message}"
    except HubUnavailable as exc:
        state, reason = "unavailable", f"the hub could not be reached: {exc.message}"
    except ValueError as exc:
        state, reason = "unreadable", f"the hub's answer is not a quarantine list: {exc}"
    else:
        runtime.err(f"quarantine list: {len(entries)} tests")
        return QuarantineStatus("fetched", f"{len(entries)} quarantined tests", entries)
    status = QuarantineStatus(state, f"cannot fetch the quarantine list: {reason}; {FALLBACK}")
    problem(runtime, github, commands, "warning", "Orchestrate quarantine list", status.message)
    return status
