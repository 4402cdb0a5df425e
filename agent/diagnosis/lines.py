"""A CI log as the lines a person reads: what the terminal showed, one entry per line of the raw log.

Raw logs carry what the terminal interpreted away: ANSI colour and cursor codes, carriage returns that
redraw a progress bar in place, GitHub Actions' timestamps and ``##[group]`` markers, GitLab's
``section_start``/``section_end`` markers. Diagnosis reads the cleaned text but reports line numbers of
the raw log (1-based, a line per ``\\n``), so cleaning never adds or removes a line: entry ``i`` is raw
line ``i + 1``. Each line also gets a kind, so what is never an error (a group marker, a progress bar,
the echo of a command) can be left out of an excerpt without a second pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

MAX_LINE = 4000  # characters of one line kept for matching; minified bundles print megabyte lines

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][A-Z0-9]|\x1b[=>78]")
_TIMESTAMP = re.compile(r"^\ufeff?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
_GITLAB_SECTION = re.compile(r"^section_(start|end):\d+:[\w.-]+(?:\[[^\]]*\])?")
_GITHUB_COMMAND = re.compile(r"^##\[(group|endgroup|error|warning|notice|debug|command|section)\]")
_WORKFLOW_COMMAND = re.compile(r"^::(group|endgroup|error|warning|notice|debug)(?: [^:]*)?::")
_PROGRESS = re.compile(
    r"""^\s*(?:
        .*\d{1,3}(?:\.\d+)?%\s*\|[█▉▊▋▌▍▎▏ #=>-]*\|          # tqdm and pip: 45%|█████     |
      | \[?[=#>\-. ]{10,}\]?\s*\d{1,3}(?:\.\d+)?%              # [=====>    ] 50%
      | (?:Progress|Downloading|Downloaded|Download)\b.*(?:\d+(?:\.\d+)?\s*[kKMG]?B|%)  # Maven, pip
      | [⠁-⣿]\s.*                                              # npm's braille spinner
      | \d+(?:\.\d+)?\s*[kKMG]?i?B\s*/\s*\d+(?:\.\d+)?\s*[kKMG]?i?B.*  # 1.2 MB / 4.5 MB
    )\s*$""",
    re.VERBOSE,
)

_PROGRESS_HINT = re.compile(r"%|\dB\b|\d\s*[kKMG]i?B\b|Download|Progress|[⠁-⣿]")


class Kind(Enum):
    TEXT = "text"
    MARKER = "marker"  # a group or section marker: structure, never the error itself
    COMMAND = "command"  # the runner echoing the command it is about to run
    ANNOTATION = "annotation"  # an error the CI itself flagged (##[error], ::error)
    PROGRESS = "progress"  # a progress bar or download counter
    BLANK = "blank"


@dataclass(frozen=True, slots=True)
class Line:
    text: str
    kind: Kind


def split_raw(text: str) -> list[str]:
    """The raw lines, a line per ``\\n`` (a final newline ends the last line, it does not start one)."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def clean(text: str) -> list[Line]:
    """Every raw line of ``text``, cleaned, with its kind."""
    return [clean_line(raw) for raw in split_raw(text)]


def clean_line(raw: str) -> Line:
    text = raw[: MAX_LINE * 2]
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _last_redraw(text)
    if text[:1].isdigit() or text[:1] == "\ufeff":
        text = _TIMESTAMP.sub("", text)
    section = _GITLAB_SECTION.match(text) if text.startswith("section_") else None
    if section:
        rest = text[section.end() :].strip()
        return Line(rest, Kind.MARKER if not rest or section.group(1) == "end" else Kind.TEXT)
    text = text.rstrip()[:MAX_LINE]
    command = (_GITHUB_COMMAND.match(text) or _WORKFLOW_COMMAND.match(text)) if text[:1] in "#:" else None
    if command:
        word, rest = command.group(1), text[command.end() :].strip()
        if word == "error":
            return Line(rest, Kind.ANNOTATION)
        if word == "command":
            return Line(rest, Kind.COMMAND)
        return Line(rest, Kind.MARKER if word in ("group", "endgroup", "section") else Kind.TEXT)
    if not text.strip():
        return Line("", Kind.BLANK)
    if _PROGRESS_HINT.search(text) and _PROGRESS.match(text):
        return Line(text, Kind.PROGRESS)
    return Line(text, Kind.TEXT)


def _last_redraw(text: str) -> str:
    """What a terminal shows of a line redrawn with carriage returns: its last non-empty drawing."""
    if "\r" not in text:
        return text
    for part in reversed(text.split("\r")):
        if part.strip():
            return part
    return ""


_VOLATILE = re.compile(
    r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?Z?|\b0x[0-9a-fA-F]+\b|\b[0-9a-f]{7,40}\b|\d+(?:\.\d+)?"
)


def normalised(text: str) -> str:
    """``text`` with what changes from one run to the next (times, numbers, hashes, addresses) masked, so a
    line of a failing log can be looked up among a passing log's lines."""
    return _VOLATILE.sub("#", text).strip()
