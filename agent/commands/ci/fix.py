"""``orchestrate ci fix --run ID``: ask the hub to respond to a run now, and follow the fix jobs it made.

Unlike the other ``ci`` commands this one talks to the hub, not to the CI: the hub decides under the
project's policy (the same decision it makes when a run completes) and answers with the run's fix jobs,
those already open included, so asking twice is harmless. With ``--wait`` each job is looked at every
``--interval`` seconds and a line is printed on stderr whenever one changes state, with the reason the
hub gave. The exit status speaks ``ci wait``'s language: 0 when every job succeeded (or there was none),
1 when one failed or died or ``--timeout`` passed, 2 when one was cancelled, 4 when the hub refused the
token.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from agent.commands.base import ExitStatus, Runtime, UsageError
from agent.commands.ci.output import dumps, duration
from agent.commands.connection import load_settings

if TYPE_CHECKING:
    from agent.hub_client import HubClient

FINISHED = frozenset({"succeeded", "failed", "cancelled", "dead"})
AUTH_STATUSES = frozenset({401, 403})


def fix(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    from agent.hub_client import HubError, HubRejected

    client = _client(args, runtime)
    try:
        reply = client.respond(args.run_id)
        jobs: list[dict[str, Any]] = [job for job in reply.body.get("fix_jobs", []) if isinstance(job, dict)]
        _announce(runtime, args.run_id, reply.body, jobs)
        timed_out = False
        if args.wait and jobs:
            jobs, timed_out = Follower(client, runtime, args.interval, args.timeout).follow(jobs)
    except HubError as exc:
        runtime.err(f"error: {exc.message}")
        runtime.err(f"hint: {_hint(exc, args.run_id)}")
        auth = isinstance(exc, HubRejected) and exc.status in AUTH_STATUSES
        return ExitStatus.AUTH_REQUIRED if auth else ExitStatus.RUN_FAILED
    if args.json:
        runtime.out(dumps({"run": args.run_id, "fix_jobs": jobs, "timed_out": timed_out}))
    else:
        for job in jobs:
            runtime.out(
                f"{job.get('id')}\t{job.get('responder')}\t{job.get('state')}\t{job.get('reason', '')}"
            )
    return exit_status([str(job.get("state")) for job in jobs], timed_out=timed_out, waited=args.wait)


def exit_status(states: list[str], *, timed_out: bool, waited: bool) -> ExitStatus:
    """``ci wait``'s codes from the fix jobs' states: without ``--wait`` only the request counts."""
    if not waited:
        return ExitStatus.OK
    if timed_out or any(state in {"failed", "dead"} for state in states):
        return ExitStatus.RUN_FAILED
    if "cancelled" in states:
        return ExitStatus.RUN_CANCELLED
    return ExitStatus.OK


class Follower:
    """Looks at unfinished fix jobs until all finish or ``timeout`` passes; one line per state change."""

    def __init__(self, client: HubClient, runtime: Runtime, interval: float, timeout: float | None) -> None:
        self.client = client
        self.runtime = runtime
        self.interval = interval
        self.timeout = timeout
        self.started = runtime.clock()

    def follow(self, jobs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        """The jobs as last seen, and whether the timeout passed first."""
        current = {job["id"]: job for job in jobs}
        shown = {job_id: job.get("state") for job_id, job in current.items()}
        while True:
            waiting = [job_id for job_id, job in current.items() if job.get("state") not in FINISHED]
            if not waiting:
                return list(current.values()), False
            elapsed = self.runtime.clock() - self.started
            if self.timeout is not None and elapsed >= self.timeout:
                self.runtime.err(
                    f"stopped waiting after {duration(elapsed)}; {len(waiting)} fix job(s) go on at the hub"
                )
                return list(current.values()), True
            left = None if self.timeout is None else self.timeout - elapsed
            self.runtime.sleep(self.interval if left is None else min(self.interval, left))
            for job_id in waiting:
                job = self.client.get_fix_job(job_id).body
                current[job_id] = job
                if job.get("state") != shown[job_id]:
                    self._changed(job, shown[job_id])
                    shown[job_id] = job.get("state")

    def _changed(self, job: dict[str, Any], before: Any) -> None:
        events = job.get("events") or [{}]
        reason = events[-1].get("reason") or job.get("reason", "")
        elapsed = duration(self.runtime.clock() - self.started)
        self.runtime.err(
            f"[{elapsed}] fix job {job.get('id')} ({job.get('responder')}): {before} -> {job.get('state')}"
            + (f": {reason}" if reason else "")
        )


def _client(args: argparse.Namespace, runtime: Runtime) -> HubClient:
    from agent.hub_client import HubClient
    from agent.settings import SettingsError, check_url

    settings = load_settings(runtime)
    try:
        hub_url = check_url(args.hub, "--hub") if args.hub else settings.hub_url
    except SettingsError as exc:
        raise UsageError(str(exc)) from None
    if hub_url is None:
        raise UsageError("no hub URL: pass --hub URL or set ORCHESTRATE_HUB_URL")
    token = args.token or settings.api_token
    if not token:
        raise UsageError(
            "no API token: pass --token or set ORCHESTRATE_API_TOKEN to a read-write token of a project "
            "owner (the hub's admin, API tokens)"
        )
    return HubClient(
        hub_url,
        token,
        timeout=settings.timeout,
        retries=settings.retries,
        sleep=runtime.sleep,
        on_retry=lambda problem, delay: runtime.err(f"{problem}; retrying in {delay:.1f} s"),
    )


def _announce(runtime: Runtime, run_id: int, body: dict[str, Any], jobs: list[dict[str, Any]]) -> None:
    opened = body.get("opened") or []
    if not jobs:
        runtime.err(f"run {run_id}: {body.get('message') or 'no fix job'} (its policy: docs/policy.md)")
        return
    runtime.err(f"run {run_id}: {len(jobs)} fix job(s), {len(opened)} opened now")


def _hint(exc: Exception, run_id: int) -> str:
    status = getattr(exc, "status", None)
    if status in AUTH_STATUSES:
        return "use a read-write API token of one of the project's owners (ORCHESTRATE_API_TOKEN or --token)"
    if status == 404:
        return f"the hub shows no run {run_id} to this token: use the hub's run id (GET /api/v1/runs/)"
    if status == 409:
        return f"wait for the run to complete, then ask again (orchestrate ci fix --run {run_id})"
    return "check the hub URL and that the hub is up; asking again is safe (it opens nothing twice)"
