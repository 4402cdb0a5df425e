"""CI section markers, as folds: GitHub's ``##[group]Title`` ... ``##[endgroup]`` workflow commands and
GitLab's ``section_start:<time>:<name>[collapsed=true]`` ... ``section_end:<time>:<name>`` (each followed by
``\\r ESC[0K`` so a terminal erases it; the header text follows on the start marker's line).

``outline`` finds every fold of a log in one pass (with where it starts and ends, by 1-based line number),
and ``display`` gives the text a line shows once its markers are taken out. A marker that never closes is
closed at the end of the log; a stray end marker is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# GitHub prefixes each line of a job's log with its timestamp.
TIMESTAMP = r"(?:\d{4}-\d\d-\d\dT[\d:.]+Z )?"
GITHUB_OPEN = re.compile(TIMESTAMP + r"##\[group\](.*)$")
GITHUB_CLOSE = re.compile(TIMESTAMP + r"##\[endgroup\]\s*$")
GITLAB = re.compile(r"(?:\x1b\[0K)?section_(start|end):\d+:([A-Za-z0-9_.-]+)(\[[^\]]*\])?\r?(?:\x1b\[0K)?")


@dataclass(frozen=True)
class Fold:
    start: int  # the line of its header
    end: int  # its last line (the end marker's, or the log's last)
    title: str
    collapsed: bool  # the CI asked for it folded (GitLab's [collapsed=true]); GitHub's groups always are


@dataclass(frozen=True)
class Marks:
    opens: list[tuple[str, str, bool]]  # (name, title, collapsed)
    closes: list[str]  # names ("" for GitHub's)
    text: str  # what the line shows without its markers


def marks(line: str) -> Marks:
    """The markers on one line and what is left of it."""
    if "##[" in line:
        if found := GITHUB_OPEN.match(line):
            return Marks([("", found.group(1), True)], [], found.group(1))
        if GITHUB_CLOSE.match(line):
            return Marks([], [""], "")
    if "section_" not in line:
        return Marks([], [], line)
    opens: list[tuple[str, str, bool]] = []
    closes: list[str] = []
    for found in GITLAB.finditer(line):
        if found.group(1) == "start":
            opens.append((found.group(2), "", "collapsed=true" in (found.group(3) or "")))
        else:
            closes.append(found.group(2))
    text = GITLAB.sub("", line)
    if opens:
        name, _, collapsed = opens[-1]
        opens[-1] = (name, text.strip() or name, collapsed)
    return Marks(opens, closes, text)


def display(line: str) -> str:
    """The line as shown: markers out, and only what a terminal keeps after a carriage return."""
    text = marks(line).text.rstrip("\r")
    return text.rsplit("\r", 1)[-1] if "\r" in text else text


def outline(lines: list[str]) -> list[Fold]:
    """Every fold of the log, outermost first at each start line."""
    folds: list[Fold] = []
    stack: list[tuple[str, int, str, bool]] = []
    for number, line in enumerate(lines, start=1):
        if "##[" not in line and "section_" not in line:
            continue
        found = marks(line)
        for name in found.closes:
            names = [entry[0] for entry in stack]
            if name in names:
                while stack:
                    open_name, start, title, collapsed = stack.pop()
                    folds.append(Fold(start, number, title, collapsed))
                    if open_name == name:
                        break
        for name, title, collapsed in found.opens:
            stack.append((name, number, title, collapsed))
    while stack:
        _, start, title, collapsed = stack.pop()
        folds.append(Fold(start, len(lines), title, collapsed))
    return sorted(folds, key=lambda fold: (fold.start, -fold.end))
