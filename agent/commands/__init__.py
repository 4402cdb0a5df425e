"""The ``orchestrate`` command groups: one module per group, each with ``register(subparsers)``.

``register`` adds the group's parser(s) and sets ``handler`` to a function
``handler(args, runtime) -> ExitStatus``. Modules here import only argparse-level code at the top and
import the heavy machinery (XML parsers, requests) inside their handlers, so ``orchestrate --help``
stays fast. To plug in a new group (``ci``, say), write ``agent/commands/ci.py`` with ``register`` and
add ``"ci"`` to ``GROUPS``; ``agent.cli`` needs no change.
"""

from __future__ import annotations

import importlib
from typing import Any

GROUPS: tuple[str, ...] = ("parse", "report", "upload", "ci", "diagnose", "fix", "validate")


def register_all(subparsers: Any) -> None:
    for name in GROUPS:
        importlib.import_module(f"{__name__}.{name}").register(subparsers)
