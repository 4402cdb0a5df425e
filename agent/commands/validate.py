"""``orchestrate validate``: build the application, start it, check it is healthy, send smoke requests.

Settings come from the ``validate:`` section of ``.orchestrate.yml`` with flags over them
(``agent.validate.config``); the work is ``agent.validate.pipeline``; with ``--commit-status`` the
verdict is also set on the commit (``agent.validate.status``). Progress goes to stderr, the result to
stdout (``--json``: one document). Exit statuses are in docs/validate.md.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from agent.commands.base import ExitStatus, Runtime

EPILOG = """examples:
  orchestrate validate                       # the validate: section of .orchestrate.yml
  orchestrate validate --build 'pip install .' --start 'python -m app' --port 8000 --health-path /healthz
  orchestrate validate --smoke 'GET /items 200' --json --commit-status --provider github

exit statuses: 0 validated, 1 a step failed, 2 bad flags or settings, 9 the commit status could not be set
(see docs/validate.md)"""


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="build, start and health-check the application, send smoke requests, stop everything",
        description="Build the application, start it in its own process group, wait for its health "
        "check, send smoke requests, stop every process it started, and report the result.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handle)
    what = parser.add_argument_group("what to run (default: validate: in .orchestrate.yml)")
    what.add_argument("--build", metavar="COMMAND", help="install or build command, run before starting")
    what.add_argument("--start", metavar="COMMAND", help="the command that starts the application")
    what.add_argument("--health-url", metavar="URL", help="URL answering the health status when ready")
    what.add_argument("--port", type=int, metavar="PORT", help="health check on http://127.0.0.1:PORT")
    what.add_argument("--health-path", metavar="PATH", help="path of the health check with --port")
    what.add_argument(
        "--smoke", action="append", metavar="'METHOD PATH [STATUS]'", help="a smoke request (repeatable)"
    )
    what.add_argument("--config", metavar="FILE", help="the configuration file (default: .orchestrate.yml)")
    limits = parser.add_argument_group("timeouts in seconds")
    for name, default in (("build", 600), ("health", 60), ("request", 10), ("stop", 10)):
        limits.add_argument(
            f"--{name}-timeout", type=_seconds, metavar="S", help=f"{name} timeout (default {default})"
        )
    status = parser.add_argument_group("commit status (GitHub or GitLab; same settings as orchestrate ci)")
    status.add_argument("--commit-status", action="store_true", help="set pending, then the verdict")
    status.add_argument("--provider", choices=("github", "gitlab"), help="env ORCHESTRATE_CI_PROVIDER")
    status.add_argument("--repo", "-R", metavar="OWNER/NAME", help="env ORCHESTRATE_REPO")
    status.add_argument("--api-url", metavar="URL", help="GitHub Enterprise Server or self-managed GitLab")
    status.add_argument("--sha", metavar="COMMIT", help="the commit to mark (default: the CI's)")
    status.add_argument("--status-context", metavar="NAME", help="default orchestrate/validate")
    status.add_argument("--target-url", metavar="URL", help="the status's link (default: the CI job)")
    parser.add_argument("--json", action="store_true", help="print the result as one JSON document")


def handle(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    from agent.commands.ci.config_file import find_file
    from agent.providers import ProviderError
    from agent.validate import config as settings
    from agent.validate import pipeline, status

    path = Path(args.config) if args.config else find_file(Path.cwd())
    config = settings.with_flags(settings.from_file(path, runtime.env), vars(args))
    target = None
    if args.commit_status:
        target = status.target(
            runtime.env,
            provider=args.provider,
            repo=args.repo,
            api_url=args.api_url,
            sha=args.sha,
            context=config.status_context,
            target_url=config.status_target_url,
        )
    exit_status = ExitStatus.OK
    try:
        if target is not None:
            target.set("pending", "validating: build, start, health check, smoke requests")
    except ProviderError as exc:
        runtime.err(f"error: the commit status was not set: {exc}")
        exit_status = ExitStatus.STATUS_NOT_SET
    cwd = path.resolve().parent if path is not None else None  # the file's directory: the checkout
    result = pipeline.validate(config, runtime.env, cwd=cwd, progress=runtime.err)
    posted = None
    if target is not None and exit_status == ExitStatus.OK:
        try:
            posted = target.verdict(result.ok, result.summary())
        except ProviderError as exc:
            runtime.err(f"error: the commit status was not set: {exc}")
            exit_status = ExitStatus.STATUS_NOT_SET
    _print(result, posted, args.json, runtime)
    return exit_status if result.ok else ExitStatus.VALIDATE_FAILED


def _print(result: Any, posted: Any, as_json: bool, runtime: Runtime) -> None:
    if as_json:
        document = result.as_json()
        document["commit_status"] = (
            {"sha": posted.sha, "state": posted.state, "context": posted.context, "url": posted.url}
            if posted is not None
            else None
        )
        runtime.out(json.dumps(document, indent=2))
        return
    for step in result.steps:
        runtime.out(f"{'ok  ' if step.ok else 'FAIL'} {step.name}: {step.detail}")
    if not result.ok:
        for name, text in result.logs.items():
            if text.strip():
                runtime.err(f"--- {name} log (tail) ---\n{text.rstrip()}")
    runtime.out(result.summary())


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("give a positive number of seconds")
    return seconds
