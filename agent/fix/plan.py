"""Which proposed fixes to make: a pure decision over plain data, with a reason for every refusal.

``decide`` takes the findings, the fixers' candidates and refusals, the confidence threshold and the
``fix:`` allowlist and returns what to do, in the order to do it (edits, then lint autofixes, then the
formatters that tidy after them). ``refuse_changes`` judges the paths a command actually changed
(known only after it ran in the scratch copy), and ``refuse_commands`` the commands validation would run.
Nothing here reads files or runs anything.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence

from agent.fix.config import FixConfig, is_workflow_file
from agent.fix.model import Candidate, Decision, Finding, Refusal

FLAKY_REASON = "known flaky in the hub: re-run, don't fix"
CATEGORY_REASONS = {
    "assertion": "a real assertion failure: the code or the test is wrong, which a person or a coding agent "
    "must decide; not a mechanical fix",
    "timeout": "a timeout: re-run it, or find what got slower; not a mechanical fix",
    "infrastructure": "the CI's infrastructure failed: re-run, don't fix",
    "network": "a network failure: re-run, don't fix",
    "out_of_memory": "the job ran out of memory: give it more, or find the leak; not a mechanical fix",
    "type_check": "a type error needs a decision about the code; not a mechanical fix",
}


def decide(
    findings: Sequence[Finding],
    candidates: Sequence[Candidate],
    refusals: Sequence[Refusal] = (),
    *,
    threshold: float,
    config: FixConfig,
) -> Decision:
    refused: list[Refusal] = list(refusals)
    planned: list[Candidate] = []
    flaky = {index for index, finding in enumerate(findings) if finding.flaky}
    for index in sorted(flaky):
        refused.append(Refusal(findings[index].subject, FLAKY_REASON, finding=index))
    seen: set[tuple[object, ...]] = set()
    edited: dict[str, Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: -c.confidence):
        key = (candidate.fixer, candidate.commands, candidate.edits)
        if candidate.finding in flaky or key in seen:
            continue
        seen.add(key)
        problem = _problem(candidate, threshold, config, edited)
        if problem:
            refused.append(
                Refusal(candidate.fixer, problem, fixer=candidate.fixer, finding=candidate.finding)
            )
            continue
        planned.append(candidate)
        edited.update((edit.path, candidate) for edit in candidate.edits)
    answered = {c.finding for c in candidates} | {r.finding for r in refused if r.finding is not None}
    for index, finding in enumerate(findings):
        if index not in answered:
            reason = CATEGORY_REASONS.get(finding.category, f"no fixer mends this {finding.category} failure")
            refused.append(Refusal(finding.subject, reason, finding=index))
    order = {id(candidate): position for position, candidate in enumerate(candidates)}
    return Decision(tuple(sorted(planned, key=lambda c: (c.stage, order[id(c)]))), tuple(refused))


def refuse_changes(paths: Iterable[str], config: FixConfig) -> list[Refusal]:
    """A refusal for each changed path the ``fix:`` section does not allow."""
    return [Refusal(path, problem) for path in sorted(paths) if (problem := _path_problem(path, config))]


def refuse_commands(commands: Iterable[Sequence[str]], config: FixConfig) -> list[Refusal]:
    """A refusal for each command (validation's) the ``fix:`` section does not allow."""
    return [
        Refusal(shlex.join(command), _command_problem(command, config))
        for command in commands
        if not config.command_allowed(command)
    ]


def _problem(candidate: Candidate, threshold: float, config: FixConfig, edited: dict[str, Candidate]) -> str:
    if candidate.confidence < threshold:
        return f"confidence {candidate.confidence:.2f} is under the threshold {threshold:.2f}"
    for command in candidate.commands:
        if not config.command_allowed(command):
            return _command_problem(command, config)
    for edit in candidate.edits:
        if problem := _path_problem(edit.path, config):
            return problem
        if edit.path in edited:
            return f"{edit.path} is already changed by {edited[edit.path].fixer}; run again after that fix"
    return ""


def _command_problem(command: Sequence[str], config: FixConfig) -> str:
    return (
        f"'{shlex.join(command)}' is not an allowed command ({config.source}); "
        f"add '{command[0]}' to fix.commands in .orchestrate.yml to allow it"
    )


def _path_problem(path: str, config: FixConfig) -> str:
    if is_workflow_file(path) and not config.allow_workflow_files:
        where = "fix.allow_workflow_files: true in .orchestrate.yml"
        return f"{path} is a CI workflow file; allow it with {where}"
    if not config.path_allowed(path):
        return f"{path} is outside fix.paths ({', '.join(config.paths)}); add it there to allow the change"
    return ""
