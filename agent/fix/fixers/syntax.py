"""A Python syntax error, fixed only where the parser proves the fix.

The evidence must name the file (``File "x.py", line N`` with a ``SyntaxError``) and the file must still
fail to parse here within two lines of it. The fixer tries a few one-line repairs on the line the parser
stops at and the one before it: the missing ``:`` of a block header, the closing brackets a line leaves
open. It keeps a repair only when exactly one of them makes ``ast.parse`` succeed on the whole file; the
repair appends characters to one line and touches nothing else. Anything less certain is refused.
Confidence 0.8.
"""

from __future__ import annotations

import ast
import re

from agent.fix.fixers.base import Proposals, Workspace
from agent.fix.model import Candidate, Edit, Finding, Refusal

CONFIDENCE = 0.8
NEAR = 2  # lines between the evidence's error and the parser's here (Python versions differ)
_LOCATION = re.compile(r'File "([^"]+\.py)", line (\d+)')
_HEADER = re.compile(
    r"^\s*(?:async\s+)?(?:def|class|if|elif|else|for|while|try|except|finally|with|match|case)\b"
)
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def propose(index: int, finding: Finding, workspace: Workspace) -> Proposals:
    if finding.category != "syntax":
        return
    if not re.search(r"\b(?:SyntaxError|IndentationError)\b", finding.text):
        return
    locations = _LOCATION.findall(finding.text)
    if not locations:
        return
    reported, line = locations[-1]  # the parser's own location comes last in a traceback
    path = workspace.locate(reported)
    if path is None:
        return
    yield _propose(index, path, int(line), workspace)


def _propose(index: int, path: str, reported_line: int, workspace: Workspace) -> Candidate | Refusal:
    text = workspace.repo.read(path)
    try:
        ast.parse(text)
    except SyntaxError as exc:
        error_line = exc.lineno or 0
    else:
        return Refusal(
            f"syntax {path}",
            f"{path} parses here; the failure came from another version of it",
            fixer="syntax",
            finding=index,
        )
    if abs(error_line - reported_line) > NEAR:
        return Refusal(
            f"syntax {path}",
            f"{path} fails to parse at line {error_line} here, not near line {reported_line} as in the "
            "evidence; fix it by hand",
            fixer="syntax",
            finding=index,
        )
    lines = text.splitlines(keepends=True)
    repairs = {}
    for number in (error_line - 1, error_line):
        if 1 <= number <= len(lines):
            for suffix in _suffixes(lines[number - 1]):
                repaired = _append(lines, number, suffix)
                if _parses(repaired):
                    repairs[(number, suffix)] = repaired
    if len(repairs) != 1:
        return Refusal(
            f"syntax {path}",
            f"no single one-line repair makes {path} parse (line {error_line}); fix it by hand",
            fixer="syntax",
            finding=index,
        )
    (number, suffix), repaired = repairs.popitem()
    return Candidate(
        fixer="syntax",
        finding=index,
        confidence=CONFIDENCE,
        reason=f"{path} line {number} lacks {suffix!r}: with it the file parses, and nothing else changes",
        edits=(Edit(path, repaired),),
    )


def _suffixes(line: str) -> list[str]:
    code = _split_comment(line.rstrip("\r\n"))[0].rstrip()
    found = []
    if _HEADER.match(code) and not code.endswith(":"):
        found.append(":")
    stack = []
    for char in _without_strings(code):
        if char in _PAIRS:
            stack.append(_PAIRS[char])
        elif char in _PAIRS.values() and stack and stack[-1] == char:
            stack.pop()
    if stack:
        found.append("".join(reversed(stack)))
        if _HEADER.match(code):
            found.append("".join(reversed(stack)) + ":")
    return found


def _split_comment(body: str) -> tuple[str, str]:
    """(code, comment) of a line; a line with quotes keeps its ``#`` as code (it may be in a string), so a
    repair appended after a real comment does not parse and is not kept."""
    if "#" not in body or "'" in body or '"' in body:
        return body, ""
    index = body.index("#")
    return body[:index], body[index:]


def _without_strings(code: str) -> str:
    return re.sub(r"'(?:\\.|[^'\\])*'|\"(?:\\.|[^\"\\])*\"", "''", code)


def _append(lines: list[str], number: int, suffix: str) -> str:
    line = lines[number - 1]
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    code, comment = _split_comment(body)
    stripped = code.rstrip()
    new_line = stripped + suffix + code[len(stripped) :] + comment + ending
    return "".join(lines[: number - 1]) + new_line + "".join(lines[number:])


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True
