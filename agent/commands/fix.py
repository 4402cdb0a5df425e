"""``orchestrate fix``: mend the failures a machine can fix with certainty, in the work tree it runs in.

Evidence comes from the hub (``--run ID``: the run's failure context), a job's log (``--log FILE``) or
test reports (``--junit FILE...``). Outside CI it is a dry run unless ``--apply`` is given: it prints the
diff and why each change is made. ``--push`` publishes a validated fix (``agent.fix.publish``). The
pieces live in ``agent.fix``; this module parses flags, gathers the evidence and maps the report's status
to an exit status (docs/fix.md).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from agent.commands import connection
from agent.commands.base import ExitStatus, Runtime, UsageError

DEFAULT_THRESHOLD = 0.8
EXIT_STATUS = {
    "fixed": ExitStatus.OK,
    "planned": ExitStatus.OK,
    "nothing_to_do": ExitStatus.OK,
    "refused": ExitStatus.FIX_REFUSED,
    "validation_failed": ExitStatus.FIX_VALIDATION_FAILED,
    "error": ExitStatus.FIX_ERROR,
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "fix",
        help="fix formatting, lint, a missing dependency, a moved import or a syntax error, and validate it",
        description="Read the evidence of a failure and fix what a machine can fix with certainty: the "
        "repository's formatters and lint autofixes, a missing Python or npm dependency, an import whose "
        "module moved, a syntax error a parser proves. A dry run (the default outside CI) prints the diff; "
        "--apply writes it, re-runs the failing command and the configured checks, and rolls back when "
        "they fail. Exit statuses: 0 fixed or nothing to do, 6 refused, 7 validation failed (rolled "
        "back), 8 error (docs/fix.md).",
    )
    evidence = parser.add_argument_group("evidence (at least one)")
    evidence.add_argument("--run", metavar="ID", help="the hub's run id: fix from its failure context")
    evidence.add_argument(
        "--log",
        metavar="FILE",
        action="append",
        default=[],
        help="a failed job's log ('-' for standard input)",
    )
    evidence.add_argument(
        "--junit", metavar="FILE", nargs="+", action="extend", default=[], help="test reports"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--apply", action="store_true", help="write the fix (the default in CI)")
    mode.add_argument("--dry-run", action="store_true", help="print the diff only (the default outside CI)")
    parser.add_argument(
        "--confidence-threshold",
        type=_fraction,
        default=DEFAULT_THRESHOLD,
        metavar="0..1",
        help=f"make only fixes at least this sure (default {DEFAULT_THRESHOLD})",
    )
    parser.add_argument("--command", metavar="CMD", help="the failing command, re-run to validate the fix")
    parser.add_argument(
        "--command-timeout",
        type=connection._positive_float,  # the hub flags' parser: a number above 0
        default=600.0,
        metavar="SECONDS",
        help="bound on each fixer and validation command (default 600)",
    )
    parser.add_argument("--repo", metavar="DIR", default=".", help="the work tree to fix (default: here)")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON document")
    parser.add_argument(
        "--push",
        action="store_true",
        help="commit a validated fix on a new branch and open a pull request (see docs/fix.md)",
    )
    parser.add_argument(
        "--fix-job", metavar="ID", help="the hub's fix job this fix answers (env ORCHESTRATE_FIX_JOB)"
    )
    connection.add_arguments(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    import json

    from agent.commands.ci.config_file import find_file
    from agent.fix import config as fix_config
    from agent.fix.workflow import Options, fix

    root = _work_tree(Path(args.repo))
    if not (args.run or args.log or args.junit):
        raise UsageError("no evidence: give --run ID (the hub's run), --log FILE or --junit FILE...")
    apply = args.apply or (not args.dry_run and _in_ci(runtime))
    if args.push and not apply:
        raise UsageError("--push publishes a written fix: add --apply")
    _check_command(args.command)
    options = Options(
        apply=apply,
        threshold=args.confidence_threshold,
        config=fix_config.load(find_file(root)),
        command=args.command,
        timeout=args.command_timeout,
    )
    gathered = _evidence(args, runtime)
    if isinstance(gathered, ExitStatus):
        return gathered
    findings, run_url = gathered
    report = fix(root, findings, options, runtime.env)
    published = None
    if args.push and report.status == "fixed":
        published, problem = _publish(root, report, run_url, args, runtime)
        if problem:
            report.status = "error"
            report.message = f"the fix is written and validated, but not published: {problem}"
    if args.json:
        document = report.as_json()
        if published is not None:
            document["published"] = dict(published)
        runtime.out(json.dumps(document, indent=2))
    else:
        runtime.out(report.text())
        if published is not None:
            runtime.out(f"published: {published.get('pull_request_url')}")
    return EXIT_STATUS[report.status]


def _evidence(args: argparse.Namespace, runtime: Runtime) -> tuple[list[Any], str | None] | ExitStatus:
    import sys

    from agent.commands.diagnose import read_log
    from agent.fix import evidence

    findings, run_url = [], None
    if args.run:
        context = _context(args, runtime)
        if isinstance(context, ExitStatus):
            return context
        findings += evidence.from_context(context)
        run = context.get("run") if isinstance(context.get("run"), dict) else {}
        run_url = run.get("url") or None
    for path in args.log:
        log = sys.stdin.read() if path == "-" else read_log(path)
        findings.append(evidence.from_log(log, "log (standard input)" if path == "-" else f"log {path}"))
    if args.junit:
        found, problems = evidence.from_junit(args.junit)
        for problem in problems:
            runtime.err(f"warning: {problem}")
        findings += found
    if run_url is None:
        from agent.ci import ContextError, detect

        try:
            run_url = detect(runtime.env).run_url
        except ContextError:
            run_url = None
    return findings, run_url


def _context(args: argparse.Namespace, runtime: Runtime) -> dict[str, Any] | ExitStatus:
    if not args.run.isdigit():
        raise UsageError(f"--run {args.run}: expected the hub's run id, a whole number such as 4242")
    settings = connection.load_settings(runtime)
    conn = connection.resolve(args, settings)
    if not conn.hub_url:
        raise UsageError("--run needs a hub: pass --hub URL or set ORCHESTRATE_HUB_URL")
    conn = connection.obtain_token(conn, settings, runtime)
    if not conn.token:
        runtime.err(f"error: no token for the hub at {conn.hub_url}; set ORCHESTRATE_TOKEN (or pass --token)")
        return ExitStatus.AUTH_REQUIRED
    from agent.hub_client import HubRejected, HubUnavailable

    try:
        return conn.client(runtime).get_run_context(int(args.run)).body
    except HubRejected as exc:
        runtime.err(f"error: the hub refused ({exc.status}): {exc.message}")
        runtime.err(
            "hint: check the run id (the hub's, not the CI's) and that the token may read its project"
        )
        return ExitStatus.AUTH_REQUIRED if exc.status in (401, 403) else ExitStatus.FIX_ERROR
    except HubUnavailable as exc:
        runtime.err(f"error: {exc.message}")
        runtime.err("hint: check ORCHESTRATE_HUB_URL (or --hub) and that the hub is up; then run this again")
        return ExitStatus.FIX_ERROR


def _publish(
    root: Path, report: Any, run_url: str | None, args: argparse.Namespace, runtime: Runtime
) -> tuple[Any, str]:
    """(what the publisher returned, "") or (None, why it did not publish). The written fix stays: a
    failed push is retried by running ``--push`` again, not by fixing again."""
    try:
        from agent.fix.publish import publish  # imported only when asked
    except ImportError:
        return None, "this agent has no publisher (agent.fix.publish); upgrade the agent"
    title, body = report.pull_request(run_url)
    fix_job = args.fix_job or connection.load_settings(runtime).fix_job
    try:
        return publish(root, title=title, body=body, fix_job=fix_job, run_url=run_url, env=runtime.env), ""
    except Exception as exc:  # the publisher talks to a provider: its failure is reported, not a traceback
        return None, f"{type(exc).__name__}: {exc}"


def _work_tree(given: Path) -> Path:
    """The root of the git work tree holding ``given`` (``given`` itself outside a checkout)."""
    start = given.resolve()
    if not start.is_dir():
        raise UsageError(f"--repo {given}: not a directory; run it in the repository's work tree")
    return next((d for d in (start, *start.parents) if (d / ".git").exists()), start)


def _in_ci(runtime: Runtime) -> bool:
    from agent.ci import detector_for, generic

    return detector_for(runtime.env) is not generic


def _check_command(command: str | None) -> None:
    import shlex

    if command is None:
        return
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"--command {command!r}: {exc}; quote it as a POSIX shell would") from None
    if not words:
        raise UsageError("--command is empty; give the command that failed, e.g. --command 'ruff check .'")


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value!r}") from None
    if not 0 <= number <= 1:
        raise argparse.ArgumentTypeError("must be from 0 to 1")
    return number
