"""What ``orchestrate fix`` did, for a person (text), for a program (``--json``) and for a pull request.

Statuses, and the exit status each maps to in ``agent.commands.fix``: ``fixed`` (written and validated),
``planned`` (a dry run with a change to show), ``nothing_to_do``, ``refused``, ``validation_failed``
(rolled back), ``error`` (a fixer or the tree failed; rolled back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.fix.model import Candidate, Finding, Refusal
from agent.fix.runner import CommandResult


@dataclass
class Report:
    mode: str  # "dry_run" or "apply"
    status: str = "nothing_to_do"
    found: list[Finding] = field(default_factory=list)
    planned: list[Candidate] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    fixer_runs: list[CommandResult] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)
    diff: str = ""
    diff_stats: dict[str, int] = field(default_factory=lambda: {"files": 0, "insertions": 0, "deletions": 0})
    validation: list[CommandResult] = field(default_factory=list)
    rolled_back: bool = False
    tree_digest: str = ""  # the tree's hash after the command: the starting one when rolled back
    message: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "mode": self.mode,
            "message": self.message,
            "found": [finding.as_json() for finding in self.found],
            "planned": [candidate.as_json() for candidate in self.planned],
            "refused": [refusal.as_json() for refusal in self.refused],
            "fixer_runs": [run.as_json() for run in self.fixer_runs],
            "changed_files": self.changed_files,
            "diff_stats": self.diff_stats,
            "diff": self.diff,
            "validation": [result.as_json() for result in self.validation],
            "rolled_back": self.rolled_back,
            "tree_digest": self.tree_digest,
        }

    def text(self) -> str:
        lines = [f"found {len(self.found)} failure(s)"]
        lines += [f"  - {f.subject}: {f.category}{' (known flaky)' if f.flaky else ''}" for f in self.found]
        for candidate in self.planned:
            lines.append(
                f"fix: {candidate.fixer} (confidence {candidate.confidence:.2f}): {candidate.reason}"
            )
        for refusal in self.refused:
            lines.append(f"refused: {refusal.subject}: {refusal.reason}")
        if self.diff:
            lines.append(self.diff.rstrip("\n"))
            stats = self.diff_stats
            lines.append(f"{stats['files']} file(s) changed, +{stats['insertions']} -{stats['deletions']}")
        for result in self.validation:
            lines.append(f"validation: {result.command}: {'passed' if result.passed else 'FAILED'}")
        if self.rolled_back:
            lines.append("rolled back: the tree is byte for byte as it was")
        lines.append(f"{self.status}: {self.message}" if self.message else self.status)
        return "\n".join(lines)

    def pull_request(self, run_url: str | None) -> tuple[str, str]:
        """A title and a Markdown body that explains each change and links the failed run."""
        fixers = ", ".join(dict.fromkeys(candidate.fixer for candidate in self.planned))
        title = f"orchestrate fix: {fixers}"
        body = ["Automated fix by `orchestrate fix`."]
        if run_url:
            body.append(f"\nFailed run: {run_url}")
        body.append("\n## Changes")
        for candidate in self.planned:
            finding = self.found[candidate.finding] if candidate.finding < len(self.found) else None
            why = f" (for {finding.subject}, a {finding.category} failure)" if finding else ""
            body.append(
                f"- **{candidate.fixer}**, confidence {candidate.confidence:.2f}: {candidate.reason}{why}"
            )
        body.append("\n## Files")
        body += [f"- `{path}`" for path in self.changed_files]
        body.append("\n## Validation")
        body += [f"- `{r.command}`: {'passed' if r.passed else 'failed'}" for r in self.validation] or [
            "- none"
        ]
        if self.refused:
            body.append("\n## Not fixed")
            body += [f"- {r.subject}: {r.reason}" for r in self.refused]
        return title, "\n".join(body) + "\n"
