"""Formatters and lint autofixes the repository already uses: ruff format, black, isort, prettier, gofmt,
``ruff check --fix`` and ``eslint --fix``.

They are one fixer driven by a table because they differ only in data: the command that fixes, the one
that checks, the lines of output that name the tool and the files it complained about. Confidence:

- 0.95 (formatters) or 0.9 (lint autofix) when the evidence carries the tool's own output and the
  repository configures the tool;
- ``WEAK`` (0.6) for a lint failure that names no tool, for each tool the repository configures: under
  the default threshold, so it runs only when asked with ``--confidence-threshold``.

When the tool's output names the files it complained about and each is in the tree, the tool is run on
those files only (and checked on them), so a fix touches what the CI flagged and nothing it did not check.
A tool the evidence names but the repository does not configure, or that is not installed, is a refusal
that says so; nothing is run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agent.fix.fixers.base import Proposals, Workspace
from agent.fix.model import Candidate, Finding, Refusal

WEAK = 0.6
_RUFF_LOCATION = r"(?m)^\s*--> (\S+?):\d+:\d+"  # ruff's "full" output names the file on its own line


@dataclass(frozen=True)
class Tool:
    fixer: str
    requires: str  # the key ``agent.fix.repo`` detects
    program: str
    fix: tuple[str, ...]  # arguments before the files ("." when the evidence names none)
    check: tuple[str, ...] | None  # None when the tool has no failing check mode (gofmt -l exits 0)
    signals: tuple[str, ...]  # patterns of the tool's own output
    files: tuple[str, ...]  # patterns whose first group is a file the tool complained about
    confidence: float
    what: str


# In the order they run: lint autofixes before the formatters that tidy after them.
TOOLS: tuple[Tool, ...] = (
    Tool("ruff-fix", "ruff", "ruff", ("check", "--fix"), ("check",),
         (r"\[\*\] \d+ fixable with (?:the )?`--fix`", r"(?m)^\S+:\d+:\d+: [A-Z]+\d+ \[\*\] "),
         (r"(?m)^(\S+?\.pyi?):\d+:\d+: [A-Z]+\d+ ", _RUFF_LOCATION),
         0.9, "apply ruff's safe autofixes (ruff check --fix; never --unsafe-fixes)"),
    Tool("eslint-fix", "eslint", "eslint", ("--fix",), (),
         (r"potentially fixable with the `--fix` option",), (),
         0.9, "apply eslint's autofixes (eslint --fix)"),
    Tool("isort", "isort", "isort", (), ("--check-only",),
         (r"Imports are incorrectly sorted",), (r"(?m)^ERROR: (\S+) Imports are incorrectly sorted",),
         0.95, "sort imports with isort, as the repository configures it"),
    Tool("ruff-format", "ruff", "ruff", ("format",), ("format", "--check"),
         (r"Would reformat: ", r"unformatted: File would be reformatted"),
         (r"(?m)^Would reformat: (\S+)", _RUFF_LOCATION),
         0.95, "reformat with ruff format, the formatter the repository configures"),
    Tool("black", "black", "black", (), ("--check",),
         (r"(?m)^would reformat ", "Oh no! 💥 💔 💥"), (r"(?m)^would reformat (\S+)",),
         0.95, "reformat with black, the formatter the repository configures"),
    Tool("prettier", "prettier", "prettier", ("--write",), ("--check",),
         (r"Code style issues (?:found|were found)", r"Forgot to run Prettier\?"), (r"(?m)^\[warn\] (\S+)$",),
         0.95, "reformat with prettier, the formatter the repository configures"),
    Tool("gofmt", "gofmt", "gofmt", ("-w",), None,
         (r"\(gofmt\)", r"\bgofmt -[lds]"), (),
         0.95, "reformat Go files with gofmt"),
)  # fmt: skip


def propose(index: int, finding: Finding, workspace: Workspace) -> Proposals:
    if finding.category not in ("lint", "unknown"):
        return
    named = [tool for tool in TOOLS if any(re.search(s, finding.text) for s in tool.signals)]
    configured = [tool for tool in TOOLS if tool.requires in workspace.repo.tools]
    for tool in named:
        if tool not in configured:
            yield Refusal(
                tool.fixer,
                f"the evidence is {tool.program}'s output, but the repository does not configure "
                f"{tool.program}; configure it (see docs/fix.md) so a fix formats code as you do",
                fixer=tool.fixer,
                finding=index,
            )
    sure = [tool for tool in named if tool in configured]
    if named and not sure:
        return
    if not sure and finding.category != "lint":
        return
    for tool in sure or configured:
        yield _candidate(index, finding, workspace, tool, sure=bool(sure))


def _candidate(
    index: int, finding: Finding, workspace: Workspace, tool: Tool, *, sure: bool
) -> Candidate | Refusal:
    if workspace.which(tool.program) is None:
        return Refusal(
            tool.fixer,
            f"{tool.program} is not installed (not on PATH nor in node_modules/.bin); install it in the "
            "job, or run it by hand",
            fixer=tool.fixer,
            finding=index,
        )
    files = _files(tool, finding.text, workspace) if sure else ()
    targets = files or (".",)
    where = f" on the {len(files)} file(s) it named" if files else ""
    evidence = f"its output is in the evidence{where}" if sure else "a lint failure that names no tool"
    return Candidate(
        fixer=tool.fixer,
        finding=index,
        confidence=tool.confidence if sure else WEAK,
        reason=f"{tool.what}: {evidence}",
        commands=((tool.program, *tool.fix, *targets),),
        verify=((tool.program, *tool.check, *targets),) if tool.check is not None else (),
        stage=TOOLS.index(tool) + 1,
    )


def _files(tool: Tool, text: str, workspace: Workspace) -> tuple[str, ...]:
    """The files the tool's output names, as paths of the tree; () unless every one of them is found."""
    reported = dict.fromkeys(match for pattern in tool.files for match in re.findall(pattern, text))
    located = [workspace.locate(path) for path in reported]
    if not located or None in located:
        return ()
    # a file named "-x.py" must not read as an option: a pull request's author chooses file names
    return tuple(
        sorted({f"./{path}" if path.startswith("-") else path for path in located if path is not None})
    )
