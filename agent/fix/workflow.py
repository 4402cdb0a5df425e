"""The fix, step by step: propose, decide, compute in a scratch copy, check the paths, write, validate,
and roll back to the exact starting tree when validation fails.

Nothing is written to the tree in a dry run; in an apply run nothing is written unless every command
that validation needs is allowed, and every byte is put back when one fails.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from agent.fix import plan, tree
from agent.fix.config import FixConfig
from agent.fix.fixers import Workspace, propose_all
from agent.fix.model import Candidate, Finding, Refusal
from agent.fix.repo import detect
from agent.fix.report import Report
from agent.fix.runner import run


@dataclass(frozen=True)
class Options:
    apply: bool
    threshold: float
    config: FixConfig
    command: str | None = None  # the failing command; else the evidence's reproduce command
    timeout: float = 600.0


def fix(root: Path, findings: Sequence[Finding], options: Options, env: Mapping[str, str]) -> Report:
    report = Report(mode="apply" if options.apply else "dry_run", found=list(findings))
    workspace = Workspace(detect(root), env)
    candidates, refusals = propose_all(findings, workspace)
    decision = plan.decide(findings, candidates, refusals, threshold=options.threshold, config=options.config)
    report.planned, report.refused = list(decision.planned), list(decision.refused)
    if not decision.planned:
        return _end(
            report,
            root,
            "refused" if decision.refused else "nothing_to_do",
            "nothing to fix" if not decision.refused else "every failure was refused; see the reasons",
        )
    validation = _validation_commands(decision.planned, findings, options)
    command_refusals = plan.refuse_commands(validation, options.config)
    if command_refusals:
        report.refused += command_refusals
        return _end(report, root, "refused", "validation would run a command that is not allowed")
    snapshot = tree.take(root)
    try:
        scratch = tree.scratch_copy(snapshot)
    except (OSError, subprocess.CalledProcessError) as exc:
        return _end(report, root, "error", f"cannot make a scratch copy of the tree: {exc}")
    try:
        broken = _compute(decision.planned, scratch, root, env, options, report)
        changed = tree.changes(snapshot, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if broken:
        return _end(report, root, "error", f"a fixer could not run: {broken}")
    path_refusals = plan.refuse_changes(changed, options.config) + [
        Refusal(path, f"{path} is a symbolic link or leads out of the tree through one; the fixer does not "
                "write through links")
        for path in tree.outside(root, changed)
    ]  # fmt: skip
    if path_refusals:
        report.refused += path_refusals
        return _end(
            report, root, "refused", "a fixer changed a path that is not allowed; nothing was written"
        )
    report.changed_files = list(changed)
    report.diff = tree.unified_diff(snapshot, changed)
    report.diff_stats = tree.diff_stats(report.diff)
    if not changed:
        return _end(report, root, "nothing_to_do", "the fixers changed nothing in this tree")
    if not options.apply:
        return _end(report, root, "planned", "dry run: nothing written; pass --apply to write it")
    try:
        tree.write(root, changed)
        for argv in validation:
            result = run(argv, cwd=root, tools_root=root, env=env, timeout=options.timeout)
            report.validation.append(result)
            if not result.passed:
                return _roll_back(report, snapshot, f"validation failed: {result.command}")
    except OSError as exc:
        report.status = "error"
        return _roll_back(report, snapshot, f"cannot write the fix: {exc}")
    except BaseException:  # Ctrl-C included: the tree goes back before the interruption goes on
        tree.restore(snapshot)
        raise
    return _end(report, root, "fixed", f"{len(changed)} file(s) changed and validated")


def _compute(
    planned: Sequence[Candidate],
    scratch: Path,
    root: Path,
    env: Mapping[str, str],
    options: Options,
    report: Report,
) -> str:
    """Apply the planned candidates to the scratch copy, in order; the first command that could not run."""
    for candidate in planned:
        tree.write(
            scratch, {e.path: None if e.text is None else e.text.encode("utf-8") for e in candidate.edits}
        )
        for argv in candidate.commands:
            result = run(argv, cwd=scratch, tools_root=root, env=env, timeout=options.timeout)
            report.fixer_runs.append(result)
            if result.exit_code is None:
                return f"{result.command}: {result.output}"
    return ""


def _validation_commands(
    planned: Sequence[Candidate], findings: Sequence[Finding], options: Options
) -> list[tuple[str, ...]]:
    """The failing command (given, or the evidence's), then the configured checks, then each fixer's own
    check; each once, in that order."""
    failing = [options.command] if options.command else [findings[c.finding].command for c in planned]
    commands = [tuple(shlex.split(c)) for c in [*failing, *options.config.checks] if c]
    commands += [argv for candidate in planned for argv in candidate.verify]
    return list(dict.fromkeys(commands))


def _roll_back(report: Report, snapshot: tree.Snapshot, message: str) -> Report:
    tree.restore(snapshot)
    report.rolled_back = True
    if tree.digest(snapshot.root) != snapshot.digest():
        return _end(report, snapshot.root, "error", "rollback did not restore the tree; check `git status`")
    status = "error" if report.status == "error" else "validation_failed"
    return _end(report, snapshot.root, status, f"{message}; rolled back")


def _end(report: Report, root: Path, status: str, message: str) -> Report:
    report.status, report.message = status, message
    report.tree_digest = tree.digest(root)
    return report
