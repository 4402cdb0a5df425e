"""Why a job failed, from its log: the lines that explain the failure and the kind of failure it is.

``diagnose(log, baseline=None)`` is the one entry point, shared by ``orchestrate diagnose`` and by the hub
when it reads the logs of failed jobs. It cleans the log (``lines``), finds error blocks with detectors
that know each tool's output (``anchors``), and keeps the surest of them within ``excerpt.MAX_LINES``
lines (``excerpt``). Line numbers are the raw log's, 1-based, a line per ``\\n``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.diagnosis.anchors import detect
from agent.diagnosis.excerpt import MAX_LINES, Span, known_lines, select
from agent.diagnosis.lines import clean

__all__ = ["MAX_LINES", "Diagnosis", "Span", "diagnose"]

# (excerpt text) -> (category, rule): the failure rules' verdict on the lines that explain the failure.
Categoriser = Callable[[str], tuple[str, str]]


@dataclass(frozen=True, slots=True)
class Diagnosis:
    category: str
    rule: str
    spans: tuple[Span, ...] = ()
    lines: tuple[str, ...] = field(default=(), repr=False)  # the cleaned log, indexed like spans

    def excerpt(self) -> list[tuple[int, str]]:
        """The explaining lines as (1-based line number, cleaned text)."""
        return [(i + 1, self.lines[i]) for span in self.spans for i in range(span.first, span.last + 1)]

    def as_json(self) -> dict:
        return {
            "category": self.category,
            "rule": self.rule,
            "spans": [{"first_line": s.first + 1, "last_line": s.last + 1} for s in self.spans],
        }


def diagnose(log: str, baseline: str | None = None, *, categorise: Categoriser | None = None) -> Diagnosis:
    cleaned = clean(log)
    known = known_lines(clean(baseline)) if baseline else frozenset()
    spans = tuple(select(cleaned, detect(cleaned), known=known))
    texts = tuple(line.text for line in cleaned)
    excerpt = "\n".join(texts[i] for span in spans for i in range(span.first, span.last + 1))
    category, rule = categorise(excerpt) if categorise else ("unknown", "")
    return Diagnosis(category, rule, spans, texts)
