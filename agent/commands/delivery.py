"""Delivering a saved report to the hub, then its artifacts, and recording what happened.

Used by ``orchestrate report``. Nothing here decides the exit status: it records an ``Outcome`` (and
prints what a person needs: the hub's refusal, or where the report was saved and how to send it later),
and ``report`` turns the outcome into a status according to ``--strict``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from agent.commands import connection
from agent.commands.base import Runtime

if TYPE_CHECKING:
    from agent.model import RunContext
    from agent.upload import Spooled


@dataclass
class Outcome:
    """What happened to the upload, for the summary, the outputs and ``--json``."""

    # uploaded, duplicate, rejected, unavailable, not_configured (no hub or no token), not_saved, skipped
    state: str = "skipped"
    message: str | None = None
    http_status: int | None = None
    run_url: str | None = None
    results: int | None = None
    attempts: int = 0
    artifacts: list[dict[str, Any]] = field(default_factory=list)


def deliver(
    spooled: Spooled,
    conn: connection.Connection,
    context: RunContext,
    artifact_paths: list[str],
    outcome: Outcome,
    runtime: Runtime,
    github: bool,
    commands: Any,
) -> None:
    later = f"send it later with: orchestrate upload {spooled.path}"
    if not conn.hub_url:
        outcome.state = "not_configured"
        outcome.message = (
            f"no hub configured (--hub or ORCHESTRATE_HUB_URL); the report is saved at {spooled.path}"
        )
        runtime.err(f"notice: {outcome.message}")
        return
    if not conn.token:
        outcome.state = "not_configured"
        reason = (
            f"no agent token, and {conn.auth_problem}"
            if conn.auth_problem
            else "no token (--token or ORCHESTRATE_TOKEN)"
        )
        outcome.message = f"{reason}; the report is saved at {spooled.path}; {later}"
        problem(runtime, github, commands, "error", "Orchestrate upload skipped", outcome.message)
        return
    from agent.hub_client import HubRejected, HubUnavailable  # imports requests: only when uploading
    from agent.upload import remove

    client = conn.client(runtime)
    runtime.err(f"uploading the report to {conn.hub_url} ...")
    try:
        reply = client.upload_report(spooled.path, spooled.idempotency_key)
    except HubRejected as exc:
        outcome.state, outcome.http_status = "rejected", exc.status
        code = f" {exc.code}" if exc.code else ""
        outcome.message = f"the hub refused the report ({exc.status}{code}): {exc.message}"
        problem(runtime, github, commands, "error", "Orchestrate upload rejected", outcome.message)
        runtime.err(f"the report is saved at {spooled.path}")
        return
    except HubUnavailable as exc:
        outcome.state, outcome.http_status = "unavailable", exc.status
        outcome.message = (
            f"the report was not uploaded: {exc.message}. It is saved at {spooled.path}; {later}"
        )
        problem(runtime, github, commands, "warning", "Orchestrate hub unavailable", outcome.message)
        return
    outcome.run_url, outcome.results, duplicate = connection.reply_summary(reply)
    outcome.state = "duplicate" if duplicate else "uploaded"
    outcome.http_status, outcome.attempts = reply.status, reply.attempts
    outcome.message = "the hub already had this report" if duplicate else "report uploaded"
    runtime.err(f"{outcome.message}{f': {outcome.run_url}' if outcome.run_url else ''}")
    remove(spooled.path)
    for path in artifact_paths:
        outcome.artifacts.append(_upload_artifact(client, path, context, runtime, github, commands))


def _upload_artifact(
    client: Any, path: str, context: RunContext, runtime: Runtime, github: bool, commands: Any
):
    from pathlib import Path

    from agent.hub_client import HubError, HubRejected, file_sha256

    fields = {
        "run_id": context.run_id or "",
        "run_attempt": str(context.run_attempt),
        "provider": context.provider,
        "repository": context.repository or "",
        "job_name": context.job_name or "",
        "sha256": file_sha256(Path(path)),
    }
    try:
        reply = client.upload_artifact(Path(path), fields)
    except HubError as exc:
        kind = "rejected" if isinstance(exc, HubRejected) else "unavailable"
        message = f"artifact {path} was not uploaded ({exc.status or 'no answer'}): {exc.message}"
        problem(runtime, github, commands, "warning", "Orchestrate artifact upload", message)
        return {"path": path, "state": kind, "http_status": exc.status, "message": exc.message}
    runtime.err(f"artifact uploaded: {path}")
    return {"path": path, "state": "uploaded", "http_status": reply.status, "sha256": fields["sha256"]}


def problem(runtime: Runtime, github: bool, commands: Any, level: str, title: str, message: str) -> None:
    if github:
        from agent.github_output import command

        print(command(level, message, title=title), file=commands)
    else:
        runtime.err(f"{level}: {message}")
