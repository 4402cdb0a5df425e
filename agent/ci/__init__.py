"""Where am I running? CI detection: one module per CI with the same shape (see ``agent.ci.base``).

``detect(env)`` returns the ``RunContext`` of the first CI whose marker variable is set, with any
``ORCHESTRATE_*`` variable laid over it; the generic detector is the fallback when none matches. Flags
given to a command go on top with ``agent.ci.overrides.apply``. Precedence: flags > ``ORCHESTRATE_*``
variables > the CI's own variables.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.ci import azure, buildkite, circleci, generic, github, gitlab, jenkins, overrides
from agent.ci.base import Detector
from agent.ci.overrides import ContextError
from agent.model import RunContext

# Tried in order; the generic detector always matches, so it comes last.
DETECTORS: tuple[Detector, ...] = (github, gitlab, circleci, buildkite, azure, jenkins, generic)

__all__ = ["DETECTORS", "ContextError", "detect", "detector_for"]


def detector_for(env: Mapping[str, str]) -> Detector:
    return next(detector for detector in DETECTORS if detector.detects(env))


def detect(env: Mapping[str, str]) -> RunContext:
    """The run context from the environment; raises ContextError for a bad ``ORCHESTRATE_*`` value."""
    detector = detector_for(env)
    if detector is generic:
        return generic.context(env)
    return overrides.apply(detector.context(env), overrides.from_env(env), source="environment")
