"""``orchestrate ci``: drive a CI from the terminal, the same commands for every provider.

The commands follow ``gh run`` where people's habits are set (a run id as a positional argument, ``--json``,
``--failed``, exit codes 0 success, 1 failure, 2 cancelled, 4 authentication needed). This module only
builds the parsers and their help; the work happens in ``handlers`` and ``wait``, imported when a command
runs, so ``orchestrate --help`` imports neither ``requests`` nor ``yaml``.
"""

from __future__ import annotations

import argparse
from typing import Any

from agent.commands import connection
from agent.commands.base import ExitStatus, Runtime
from agent.commands.ci.config import PROVIDERS
from agent.lookback import STATUS_WORDS, parse_lookback

DEFAULT_INTERVAL = 10.0  # seconds between two looks at a run while waiting (gh: 3; ours reads jobs too)
DEFAULT_HEARTBEAT = 60.0  # seconds of silence before a "still waiting" line when not on a terminal

GROUP_EPILOG = """\
examples:
  orchestrate ci list --branch main
  orchestrate ci trigger --workflow deploy.yml --ref v1.2.0 -f environment=staging
  orchestrate ci status 1234567890
  orchestrate ci wait 1234567890 --timeout 1800
  orchestrate ci logs 1234567890 --failed
  orchestrate ci retry 1234567890 --failed
  orchestrate ci artifacts 1234567890 --output ./artifacts --name coverage
  orchestrate ci context --run 4242 --json
  orchestrate ci fix --run 42 --wait

configuration (first found wins): flags; ORCHESTRATE_CI_PROVIDER, ORCHESTRATE_REPO, ORCHESTRATE_API_URL,
ORCHESTRATE_CI_TOKEN and the provider's own variables (GH_TOKEN/GITHUB_TOKEN, GITLAB_TOKEN/CI_JOB_TOKEN,
CIRCLE_TOKEN/CIRCLECI_TOKEN, GITHUB_API_URL, CI_API_V4_URL); the ci: block of .orchestrate.yml; inside a
CI, the current provider, repository and run. `context` and `fix` ask the hub instead: ORCHESTRATE_HUB_URL,
with ORCHESTRATE_TOKEN (an agent token or a person's API token) for `context` and ORCHESTRATE_API_TOKEN (a
person's read-write API token) for `fix`.

exit statuses: 0 success, 1 failure (the run failed, or the operation did), 2 cancelled (or bad usage),
4 authentication needed. See docs/ci-cli.md."""

# name -> (one-line help, description, examples)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "list": (
        "list recent runs, newest first",
        "List the repository's recent runs, newest first, to find a run id.",
        "  orchestrate ci list\n"
        "  orchestrate ci list --branch main --workflow ci.yml --status completed --limit 5\n"
        "  orchestrate ci list --status failure --since 2h\n"
        "  orchestrate ci list --repo octo/app --json",
    ),
    "trigger": (
        "start a workflow or pipeline on a branch or tag",
        "Start a workflow (GitHub) or the project's pipeline (GitLab, CircleCI) on a branch or tag with "
        "inputs, then print the new run's id and URL. On GitHub the workflow must declare "
        "on: workflow_dispatch. Inside a CI the current branch is the default ref.",
        "  orchestrate ci trigger --workflow deploy.yml --branch main\n"
        "  orchestrate ci trigger --workflow deploy.yml --ref v1.2.0 -f environment=staging -f dry_run=true\n"
        "  orchestrate ci trigger --workflow nightly.yml --branch main --json",
    ),
    "status": (
        "show a run and its jobs",
        "Show a run's status, conclusion and jobs. Inside a CI, the current run is the default.",
        "  orchestrate ci status 1234567890\n"
        "  orchestrate ci status --run 1234567890 --exit-status\n"
        "  orchestrate ci status            # inside a CI job: this run",
    ),
    "wait": (
        "wait for a run to finish; exit status from its conclusion",
        "Wait until the run completes, showing progress on stderr: on a terminal one updating line with "
        "the elapsed time and the jobs' states; otherwise a line per job state change and a heartbeat "
        "line after --heartbeat seconds of silence. Exits 0 when the run succeeded (or was skipped or "
        "neutral), 1 when it failed or timed out or --timeout passed, 2 when it was cancelled. "
        "Stopping the wait (Ctrl-C, --timeout) does not cancel the run.",
        "  orchestrate ci wait 1234567890\n"
        "  orchestrate ci wait 1234567890 --interval 30 --timeout 3600\n"
        "  orchestrate ci trigger --workflow ci.yml --branch main --json | jq -r .run.id "
        "| xargs orchestrate ci wait",
    ),
    "logs": (
        "print the logs of a run's jobs",
        "Print the logs of a run's jobs (each under a header line), of one job (--job, an id or a name), "
        "or of the failed jobs only (--failed). With --output, save the run's logs as files instead.",
        "  orchestrate ci logs 1234567890 --failed\n"
        "  orchestrate ci logs 1234567890 --job 'test (3.12)'\n"
        "  orchestrate ci logs 1234567890 --output ./logs",
    ),
    "retry": (
        "re-run a run, its failed jobs, or one job",
        "Re-run a whole run, only its failed jobs (--failed), or one job (--job, an id or a name).",
        "  orchestrate ci retry 1234567890\n"
        "  orchestrate ci retry 1234567890 --failed\n"
        "  orchestrate ci retry 1234567890 --job lint",
    ),
    "cancel": (
        "cancel a run",
        "Ask the CI to cancel a run. The CI stops it asynchronously; `orchestrate ci wait` shows the end.",
        "  orchestrate ci cancel 1234567890\n  orchestrate ci cancel --run 1234567890 --json",
    ),
    "artifacts": (
        "list a run's artifacts, or download them with --output",
        "List a run's artifacts; with --output, download them (all, or those named by --name) and "
        "extract each into OUTPUT/NAME.",
        "  orchestrate ci artifacts 1234567890\n"
        "  orchestrate ci artifacts 1234567890 --output ./artifacts\n"
        "  orchestrate ci artifacts 1234567890 --output ./artifacts --name coverage --name junit",
    ),
    "context": (
        "what it takes to fix a run: failing tests, traces, logs, reproduce commands (from the hub)",
        "Print a run's failure context from the Orchestrate hub, as Markdown (or JSON with --json): each "
        "failing test with every attempt, its category, cluster and flaky evidence, whether it is new, "
        "known flaky or already failing on the base branch, a command that runs it again, the failed "
        "jobs' log excerpts, the commit, the pull request and the artifacts. Bounded in size, secrets "
        "redacted; paste it into a coding agent as it is. RUN_ID is the hub's run id.",
        "  orchestrate ci context 4242\n"
        "  orchestrate ci context --run 4242 --json | jq '.failures[].reproduce'\n"
        "  orchestrate ci context 4242 --hub https://orchestrate.example.com > context.md",
    ),
}
# Commands that talk to the Orchestrate hub, not to the CI provider: no provider flags, their own handler.
HUB_COMMANDS = frozenset({"context"})

# ``fix`` asks the hub, not the CI: it takes the hub's flags rather than the provider's.
FIX = (
    "ask the hub to respond to a run now; follow its fix jobs",
    "Ask the hub to respond to a completed run now under its project's policy (what it does when the "
    "run completes), and print the run's fix jobs, those already open included. With --wait, follow "
    "them with a line on stderr per state change; exits 0 when all succeeded (or there was none), 1 when "
    "one failed or died or --timeout passed, 2 when one was cancelled, 4 when the hub refused the token. "
    "ID is the hub's run id. See docs/ci-cli.md.",
    "  orchestrate ci fix --run 42\n"
    "  orchestrate ci fix --run 42 --wait --timeout 1800\n"
    "  orchestrate ci fix --run 42 --wait --json --hub https://hub.example.com",
)


def register(subparsers: Any) -> None:
    group = subparsers.add_parser(
        "ci",
        help="drive a CI: list, trigger, watch, retry and cancel runs; fetch logs and artifacts",
        description="Drive GitHub Actions, GitLab CI, CircleCI or a custom CI from one command line.",
        epilog=GROUP_EPILOG,
        formatter_class=_Formatter,
    )
    group.set_defaults(handler=_usage(group))
    commands = group.add_subparsers(dest="ci_command", metavar="COMMAND", parser_class=type(group))
    common = _common_arguments()
    parsers = {
        name: commands.add_parser(
            name,
            parents=[] if name in HUB_COMMANDS else [common],
            help=summary,
            description=description,
            epilog="examples:\n" + examples,
            formatter_class=_Formatter,
        )
        for name, (summary, description, examples) in COMMANDS.items()
    }
    for name, parser in parsers.items():
        parser.set_defaults(handler=_dispatch(name))
        if name not in {"list", "trigger", *HUB_COMMANDS}:
            _run_arguments(parser)
    _context_arguments(parsers["context"])

    parsers["list"].add_argument("--branch", "-b", metavar="NAME", help="only runs on this branch")
    parsers["list"].add_argument("--workflow", "-w", metavar="NAME", help="only runs of this workflow")
    parsers["list"].add_argument(
        "--status",
        "-s",
        choices=STATUS_WORDS,
        help="only runs in this state, or completed with this conclusion (failure: failed or timed out)",
    )
    parsers["list"].add_argument(
        "--since",
        metavar="DURATION",
        type=_lookback,
        help="only runs created in this look-back window: 30m, 2h, 1d (newest first)",
    )
    parsers["list"].add_argument(
        "--limit", "-L", type=_positive_int, default=20, metavar="N", help="at most N runs (default 20)"
    )

    trigger = parsers["trigger"]
    trigger.add_argument(
        "--workflow",
        "-w",
        metavar="NAME",
        help="the workflow to start (GitHub, where it is required: its file name, id or name; GitLab and "
        "CircleCI start the project's pipeline, see docs/providers.md)",
    )
    refs = trigger.add_mutually_exclusive_group()
    refs.add_argument("--branch", "-b", metavar="NAME", help="the branch to run on")
    refs.add_argument("--ref", "-r", metavar="REF", help="the branch or tag to run on")
    trigger.add_argument(
        "-f",
        "--field",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="an input for the workflow (repeat for several)",
    )

    parsers["status"].add_argument(
        "--exit-status",
        action="store_true",
        help="exit 1 if the run failed, 2 if it was cancelled (as wait does), instead of 0",
    )

    wait = parsers["wait"]
    wait.add_argument(
        "--interval",
        "-i",
        type=_positive_float,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"look at the run every SECONDS (default {DEFAULT_INTERVAL:g})",
    )
    wait.add_argument(
        "--heartbeat",
        type=_positive_float,
        default=DEFAULT_HEARTBEAT,
        metavar="SECONDS",
        help="when not on a terminal, print a 'still waiting' line after SECONDS without output "
        f"(default {DEFAULT_HEARTBEAT:g})",
    )
    wait.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        help="stop waiting after SECONDS and exit 1 (the run goes on)",
    )

    logs = parsers["logs"]
    which = logs.add_mutually_exclusive_group()
    which.add_argument("--job", "-j", metavar="JOB", help="only this job (its id or its name)")
    which.add_argument("--failed", action="store_true", help="only the jobs that failed")
    logs.add_argument("--output", "-D", metavar="DIR", help="save the run's logs under DIR instead")

    retry = parsers["retry"].add_mutually_exclusive_group()
    retry.add_argument("--job", "-j", metavar="JOB", help="re-run only this job (its id or its name)")
    retry.add_argument("--failed", action="store_true", help="re-run only the failed jobs")

    artifacts = parsers["artifacts"]
    artifacts.add_argument(
        "--output", "--dir", "-D", metavar="DIR", help="download into DIR (each artifact in DIR/NAME)"
    )
    artifacts.add_argument(
        "--name", "-n", action="append", default=[], metavar="NAME", help="only this artifact (repeatable)"
    )
    _fix_parser(commands)


def _fix_parser(commands: Any) -> None:
    summary, description, examples = FIX
    fix = commands.add_parser(
        "fix",
        help=summary,
        description=description,
        epilog="examples:\n" + examples,
        formatter_class=_Formatter,
    )
    fix.set_defaults(handler=_fix)
    fix.add_argument(
        "--run", dest="run_id", type=_positive_int, required=True, metavar="ID", help="the hub's run id"
    )
    fix.add_argument("--wait", action="store_true", help="follow the fix jobs until they finish")
    fix.add_argument(
        "--interval",
        "-i",
        type=_positive_float,
        default=DEFAULT_INTERVAL,
        metavar="SECONDS",
        help=f"with --wait, look at the fix jobs every SECONDS (default {DEFAULT_INTERVAL:g})",
    )
    fix.add_argument(
        "--timeout", type=_positive_float, metavar="SECONDS", help="stop waiting after SECONDS and exit 1"
    )
    fix.add_argument("--json", action="store_true", help="print the run's fix jobs as JSON on stdout")
    fix.add_argument("--hub", metavar="URL", help="the hub's base URL (env ORCHESTRATE_HUB_URL)")
    fix.add_argument(
        "--token",
        metavar="TOKEN",
        help="a read-write API token of a project owner (env ORCHESTRATE_API_TOKEN)",
    )


def _fix(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    from agent.commands.ci.fix import fix

    return fix(args, runtime)


class _Formatter(argparse.HelpFormatter):
    """Wraps a one-paragraph description; keeps a text with line breaks (the examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


def _common_arguments() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    where = common.add_argument_group("where (default: env, then .orchestrate.yml, then the current CI)")
    where.add_argument(
        "--provider", choices=PROVIDERS, help="the CI (env ORCHESTRATE_CI_PROVIDER; ci.provider in the file)"
    )
    where.add_argument(
        "--repo", "-R", metavar="OWNER/NAME", help="the repository (env ORCHESTRATE_REPO; ci.repo)"
    )
    where.add_argument(
        "--api-url",
        metavar="URL",
        help="the API base URL, for GitHub Enterprise Server or self-managed GitLab "
        "(env ORCHESTRATE_API_URL, GITHUB_API_URL, CI_API_V4_URL; ci.api_url)",
    )
    common.add_argument(
        "--json", action="store_true", help="print JSON on stdout (our fields plus the provider's raw JSON)"
    )
    return common


def _run_arguments(
    parser: argparse.ArgumentParser, what: str = "the run (default: the current CI run)"
) -> None:
    parser.add_argument("run", nargs="?", metavar="RUN_ID", help=what)
    parser.add_argument("--run", dest="run_option", metavar="ID", help="the run, as an option")


def _context_arguments(parser: argparse.ArgumentParser) -> None:
    _run_arguments(parser, "the hub's run id (its runs API and run pages show it)")
    parser.add_argument("--json", action="store_true", help="print the context as JSON instead of Markdown")
    connection.add_arguments(parser)


def _dispatch(name: str) -> Any:
    def handler(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
        if name in HUB_COMMANDS:
            from agent.commands.ci import context

            return context.run(args, runtime)
        from agent.commands.ci import handlers

        return handlers.run(name, args, runtime)

    return handler


def _usage(parser: argparse.ArgumentParser) -> Any:
    def handler(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
        parser.print_help(runtime.stderr)
        return ExitStatus.USAGE

    return handler


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def _lookback(value: str) -> Any:
    try:
        return parse_lookback(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number
