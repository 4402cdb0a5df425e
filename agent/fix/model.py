"""The fixer's vocabulary, plain frozen data shared by evidence, fixers, planning and the report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """One thing the evidence says went wrong: a failing test, or a failed job's log.

    ``category`` is the failure analysis' (``lint``, ``import``, ``syntax``, ``assertion``...); ``text`` is
    what a fixer reads (message and trace, or the log lines that explain the failure); ``flaky`` is set when
    the hub knows the test as flaky, which makes the failure one to re-run, not to fix.
    """

    source: str  # "run", "log" or "junit"
    category: str
    text: str
    subject: str  # a test's name or a job's, for people
    flaky: bool = False
    command: str | None = None  # a command that reproduces it, when the evidence has one

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["text"] = self.text[:2000]
        return data


@dataclass(frozen=True)
class Edit:
    """A file's whole new text, as a fixer computed it (``None`` deletes the file)."""

    path: str  # relative to the repository root, with forward slashes
    text: str | None


@dataclass(frozen=True)
class Candidate:
    """A fix a fixer proposes for a finding: commands to run in the tree, or edits, or both.

    ``commands`` are argv lists run from the repository root; ``verify`` are argv lists that must pass
    afterwards when the evidence gives no failing command (a formatter's ``--check``).
    """

    fixer: str
    finding: int  # index into the findings
    confidence: float
    reason: str
    commands: tuple[tuple[str, ...], ...] = ()
    edits: tuple[Edit, ...] = ()
    verify: tuple[tuple[str, ...], ...] = ()
    stage: int = 0  # the order fixes run in: edits (0), then tools in ``fixers.tools.TOOLS`` order

    def as_json(self) -> dict[str, Any]:
        return {
            "fixer": self.fixer,
            "finding": self.finding,
            "confidence": self.confidence,
            "reason": self.reason,
            "commands": [list(command) for command in self.commands],
            "edits": [edit.path for edit in self.edits],
        }


@dataclass(frozen=True)
class Refusal:
    """Something the fixer will not do, and why, in a sentence a person can act on."""

    subject: str
    reason: str
    fixer: str | None = None
    finding: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {key: value for key, value in asdict(self).items() if value is not None}


@dataclass(frozen=True)
class Decision:
    planned: tuple[Candidate, ...] = ()
    refused: tuple[Refusal, ...] = ()
