"""What every command handler shares: the exit statuses and the per-invocation runtime.

Kept free of heavy imports: ``agent.cli`` imports it to build ``--help``.
"""

from __future__ import annotations

import enum
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TextIO


class ExitStatus(enum.IntEnum):
    """The ``orchestrate`` exit statuses (documented in docs/agent.md)."""

    OK = 0
    TESTS_FAILED = 1  # ``report --fail-on``: a case finally failed or errored
    USAGE = 2  # bad flags or settings (argparse uses 2 as well)
    NO_REPORTS = 3  # no report file matched, or none could be read
    HUB_REJECTED = 4  # the hub refused the upload (4xx): token, project, validation
    UPLOAD_FAILED = 5  # the hub could not be reached or kept failing, or the report could not be saved
    FIX_REFUSED = (
        6  # ``fix``: every failure was refused (not fixable, flaky, below the threshold, not allowed)
    )
    FIX_VALIDATION_FAILED = 7  # ``fix --apply``: validation failed; the tree was rolled back
    FIX_ERROR = 8  # ``fix``: a fixer, the hub or the tree failed
    STATUS_NOT_SET = 9  # ``validate --commit-status``: the provider refused or could not be reached
    INTERRUPTED = 130  # Ctrl-C
    # ``orchestrate ci`` speaks gh's exit codes: the same numbers under the names that command uses.
    RUN_FAILED = 1  # the run failed or timed out, or the provider refused the operation
    RUN_CANCELLED = 2  # the run was cancelled (2 is also a usage error, as with argparse)
    AUTH_REQUIRED = 4  # no token, or the provider refused it (401/403)
    VALIDATE_FAILED = 1  # ``validate``: the build, the start, the health check or a smoke request failed


@dataclass
class Runtime:
    """The outside world a handler may touch, injectable so tests run in-process without waiting."""

    env: Mapping[str, str]
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def out(self, text: str = "") -> None:
        print(text, file=self.stdout)

    def err(self, text: str = "") -> None:
        print(text, file=self.stderr)


class UsageError(Exception):
    """A handler found its flags or settings unusable; ``agent.cli`` prints it and exits with USAGE."""
