"""What every ``orchestrate ci`` command shares: resolve the configuration, build the provider client,
then hand a ``Call`` to the command (``runs`` for runs, ``files`` for logs and artifacts).

Each command is a function ``(Call) -> ExitStatus``; ``run`` does what they share: the configuration
(``config.resolve``), the run id (positional, ``--run``, or the current CI run), the token check before
any request, and turning a ``ProviderError`` into a message, a hint and its exit status (4 for
authentication, 1 otherwise).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.commands.base import ExitStatus, Runtime, UsageError
from agent.commands.ci import output
from agent.commands.ci.config import CiConfig, resolve

if TYPE_CHECKING:
    from agent.providers.base import JobInfo, Provider, RunInfo

FAILED_CONCLUSIONS = frozenset({"failure", "timed_out"})
# How a finished run ends the command (gh's codes): anything not listed here is a failure.
CONCLUSION_STATUS: dict[str | None, ExitStatus] = {
    "success": ExitStatus.OK,
    "neutral": ExitStatus.OK,
    "skipped": ExitStatus.OK,
    "cancelled": ExitStatus.RUN_CANCELLED,
}


@dataclass(frozen=True)
class Call:
    """One invocation: its flags, the outside world, the configuration, the client and the run."""

    args: argparse.Namespace
    runtime: Runtime
    config: CiConfig
    provider: Provider
    run_id: str | None

    @property
    def run(self) -> str:
        assert self.run_id is not None
        return self.run_id

    def out(self, text: str = "") -> None:
        self.runtime.out(text)

    def note(self, text: str) -> None:
        self.runtime.err(text)


def run(name: str, args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    config = resolve(runtime.env, provider=args.provider, repo=args.repo, api_url=args.api_url)
    run_id = _run_id(args, config) if hasattr(args, "run") else None
    if config.token is None and config.provider != "custom":
        runtime.err(f"error: no token for {config.provider}")
        runtime.err(f"hint: {config.token_hint()}")
        return ExitStatus.AUTH_REQUIRED

    from agent.providers import ProviderError, get_provider

    try:
        provider = get_provider(
            config.provider,
            config.repo,
            token=config.token,
            api_url=config.api_url,
            config=config.client_config(),
            sleep=runtime.sleep,
            clock=runtime.clock,
        )
        return _command(name)(Call(args, runtime, config, provider, run_id))
    except ProviderError as exc:
        _print_error(exc, config, runtime)
        return ExitStatus(exc.exit_code)


def _command(name: str) -> Callable[[Call], ExitStatus]:
    from agent.commands.ci import files, runs

    commands: dict[str, Callable[[Call], ExitStatus]] = {
        "list": runs.list_runs,
        "trigger": runs.trigger,
        "status": runs.status,
        "wait": runs.wait,
        "retry": runs.retry,
        "cancel": runs.cancel,
        "logs": files.logs,
        "artifacts": files.artifacts,
    }
    return commands[name]


def conclusion_status(run: RunInfo) -> ExitStatus:
    """0 for a run that succeeded (or was skipped or neutral), 2 cancelled, 1 anything else."""
    return CONCLUSION_STATUS.get(run.conclusion, ExitStatus.RUN_FAILED)


def _run_id(args: argparse.Namespace, config: CiConfig) -> str:
    given = {value.strip() for value in (args.run, args.run_option) if value and value.strip()}
    if len(given) > 1:
        raise UsageError(f"two different runs given ({' and '.join(sorted(given))}); give one")
    if given:
        return given.pop()
    if config.current_run:
        return config.current_run
    raise UsageError(
        "no run id: give it as an argument (orchestrate ci status 1234567890) or with --run; "
        "`orchestrate ci list` shows recent runs"
    )


def _print_error(exc: Exception, config: CiConfig, runtime: Runtime) -> None:
    from agent.providers import AuthenticationError

    message = getattr(exc, "message", str(exc))
    hint = getattr(exc, "hint", "")
    runtime.err(f"error: {message}")
    if isinstance(exc, AuthenticationError):
        hint = hint or config.token_hint()
    if hint:
        runtime.err(f"hint: {hint}")


# --- helpers ---------------------------------------------------------------------------------------


def find_job(jobs: list[JobInfo], key: str, run_id: str) -> JobInfo:
    """The job whose id is ``key``, else the one job named ``key``; UsageError listing the choices."""
    for job in jobs:
        if job.id == key:
            return job
    named = [job for job in jobs if job.name == key]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(job.id for job in named)
        raise UsageError(f"{len(named)} jobs of run {run_id} are named {key!r} (ids {ids}); pass the id")
    names = ", ".join(repr(job.name) for job in jobs[:20]) or "none"
    raise UsageError(f"no job {key!r} in run {run_id}; its jobs: {names}")


def show_run(call: Call, run: RunInfo) -> None:
    if call.args.json:
        call.out(output.dumps(output.run_json(run)))
    else:
        for line in output.run_text(run):
            call.out(line)
