"""Formatters and lint autofixes the repository already uses: ruff format, black, isort, prettier, gofmt,
``ruff check --fix`` and ``eslint --fix``.

They are one fixer driven by a table because they differ only in data: the command that fixes, the one
that checks, and the lines of output that name the tool. Confidence:

- ``STRONG`` (0.95 formatters, 0.9 lint autofix) when the evidence carries the tool's own output and the
  repository configures the tool;
- ``WEAK`` (0.6) for a lint failure that names no tool, for each tool the repository configures: under
  the default threshold, so it runs only when asked with ``--confidence-threshold``.

A configured tool that is not installed is a refusal that says so; nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.fix.fixers.base import Proposals, Workspace
from agent.fix.model import Candidate, Finding, Refusal

WEAK = 0.6


@dataclass(frozen=True)
class Tool:
    fixer: str
    requires: str  # the key ``agent.fix.repo`` detects
    program: str
    fix: tuple[str, ...]
    check: tuple[str, ...]  # () when the tool has no failing check mode (gofmt -l exits 0)
    signals: tuple[re.Pattern[str], ...]
    confidence: float
    what: str


# In the order they run: lint autofixes before the formatters that tidy after them.
TOOLS: tuple[Tool, ...] = (
    Tool("ruff-fix", "ruff", "ruff", ("check", "--fix", "."), ("check", "."),
         (re.compile(r"\[\*\] \d+ fixable with (?:the )?`--fix`"),
          re.compile(r"(?m)^\S+:\d+:\d+: [A-Z]+\d+ \[\*\] ")),
         0.9, "apply ruff's safe autofixes (ruff check --fix; never --unsafe-fixes)"),
    Tool("eslint-fix", "eslint", "eslint", ("--fix", "."), (".",),
         (re.compile(r"potentially fixable with the `--fix` option"),),
         0.9, "apply eslint's autofixes (eslint --fix)"),

    Tool("isort", "isort", "isort", (".",), ("--check-only", "."),
         (re.compile(r"Imports are incorrectly sorted"),),
         0.95, "sort imports with isort, as the repository configures it"),
    Tool("ruff-format", "ruff", "ruff", ("format", "."), ("format", "--check", "."),
         (re.compile(r"Would reformat: "), re.compile(r"unformatted: File would be reformatted")),
         0.95, "reformat with ruff format, the formatter the repository configures"),
    Tool("black", "black", "black", (".",), ("--check", "."),
         (re.compile(r"(?m)^would reformat "), re.compile("Oh no! 💥 💔 💥")),
         0.95, "reformat with black, the formatter the repository configures"),
    Tool("prettier", "prettier", "prettier", ("--write", "."), ("--check", "."),
         (re.compile(r"Code style issues (?:found|were found)"), re.compile(r"Forgot to run Prettier\?")),
         0.95, "reformat with prettier, the formatter the repository configures"),
    Tool("gofmt", "gofmt", "gofmt", ("-w", "."), (),
         (re.compile(r"\(gofmt\)"), re.compile(r"\bgofmt -[lds]")),
         0.95, "reformat Go files with gofmt"),
)  # fmt: skip


def propose(index: int, finding: Finding, workspace: Workspace) -> Proposals:
    if finding.category not in ("lint", "unknown"):
        return
    configured = [tool for tool in TOOLS if tool.requires in workspace.repo.tools]
    named = [tool for tool in configured if any(s.search(finding.text) for s in tool.signals)]
    if not named and finding.category != "lint":
        return
    for tool in named or configured:
        stage = TOOLS.index(tool) + 1
        confidence = tool.confidence if named else WEAK
        evidence = "its output is in the evidence" if named else "a lint failure that names no tool"
        path = workspace.which(tool.program)
        if path is None:
            yield Refusal(
                tool.fixer,
                f"{tool.program} is not installed (not on PATH nor in node_modules/.bin); install it in the "
                "job, or run it by hand",
                fixer=tool.fixer,
                finding=index,
            )
            continue
        yield Candidate(
            fixer=tool.fixer,
            finding=index,
            confidence=confidence,
            reason=f"{tool.what}: {evidence}",
            commands=((tool.program, *tool.fix),),
            verify=((tool.program, *tool.check),) if tool.check else (),
            stage=stage,
        )
