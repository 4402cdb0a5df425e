"""Any other CI, or a laptop: the run context comes only from ``ORCHESTRATE_*`` variables.

This is the fallback when no known CI is detected. The same variables also refine a detected CI's
context (see ``agent.ci.detect``), which is how a Jenkins job without the git plugin names its repository.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import overrides
from agent.model import RunContext

PROVIDER = "custom"


def detects(env: Mapping[str, str]) -> bool:
    return True  # the fallback: always applicable, so it is tried last


def context(env: Mapping[str, str]) -> RunContext:
    return overrides.apply(RunContext(provider=PROVIDER), overrides.from_env(env))
