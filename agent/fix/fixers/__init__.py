"""The fixers: one module per kind of fix, each ``propose(index, finding, workspace)`` returning a
``Candidate`` (with its confidence and the evidence it acts on), a ``Refusal`` (it recognised the failure
but cannot fix it here: a tool not installed, a distribution it cannot name), or ``None`` (not its kind).

``propose_all`` asks every fixer about every finding; ``agent.fix.plan.decide`` then chooses.
"""

from __future__ import annotations

from collections.abc import Sequence

from agent.fix.fixers import moved_import, npm_dependency, python_dependency, syntax, tools
from agent.fix.fixers.base import Workspace
from agent.fix.model import Candidate, Finding, Refusal

FIXERS = (tools, python_dependency, npm_dependency, moved_import, syntax)

__all__ = ["FIXERS", "Workspace", "propose_all"]


def propose_all(findings: Sequence[Finding], workspace: Workspace) -> tuple[list[Candidate], list[Refusal]]:
    candidates: list[Candidate] = []
    refusals: list[Refusal] = []
    for index, finding in enumerate(findings):
        for fixer in FIXERS:
            for proposal in fixer.propose(index, finding, workspace):
                (candidates if isinstance(proposal, Candidate) else refusals).append(proposal)
    return candidates, refusals
