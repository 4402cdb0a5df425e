"""The shape every CI detector has, so adding a CI is copying a module and changing its table.

A detector is a module with a ``PROVIDER`` (the schema's ``run.provider`` value it usually reports),
``detects(env)`` (is this job running there?) and ``context(env)`` (the ``RunContext`` it can tell from
the environment). Both take the environment as a mapping, so tests pass a dict and only ``agent.cli.run``
ever touches ``os.environ``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from agent.model import RunContext


class Detector(Protocol):
    PROVIDER: str

    def detects(self, env: Mapping[str, str]) -> bool: ...

    def context(self, env: Mapping[str, str]) -> RunContext: ...
