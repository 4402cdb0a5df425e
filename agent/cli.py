"""The ``orchestrate`` command line: argparse, and ``main(argv, env) -> ExitStatus``.

``main`` is what tests call, in-process, with a list of arguments and a dict for the environment;
``run`` (the console script) is the only place that reads ``sys.argv`` and ``os.environ`` and calls
``sys.exit``. Command groups live in ``agent.commands``; this module only wires them and turns the
errors they raise into exit statuses. It imports nothing heavy, so ``orchestrate --help`` is fast.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping

from agent import __version__
from agent.commands import register_all
from agent.commands.base import ExitStatus, Runtime, UsageError

__all__ = ["ExitStatus", "build_parser", "main", "run"]


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so ``main`` returns USAGE like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="orchestrate",
        description="Orchestrate agent: parse test reports and send them to an Orchestrate hub.",
        epilog="Exit statuses and environment variables: see docs/agent.md.",
    )
    parser.add_argument("--version", action="version", version=f"orchestrate {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    register_all(subparsers)
    return parser


def main(
    argv: list[str],
    env: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> ExitStatus:
    runtime = Runtime(env=env, sleep=sleep, clock=clock)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "handler", None) is None:
            parser.print_help(runtime.stderr)
            return ExitStatus.USAGE
        return args.handler(args, runtime)
    except UsageError as exc:
        runtime.err(f"error: {exc}")
        return ExitStatus.USAGE
    except SystemExit as exc:  # --help and --version exit 0 through argparse
        return ExitStatus.OK if exc.code in (0, None) else ExitStatus.USAGE
    except KeyboardInterrupt:
        runtime.err("interrupted")
        return ExitStatus.INTERRUPTED


def run() -> None:
    """The console script ``orchestrate``."""
    sys.exit(main(sys.argv[1:], os.environ))
