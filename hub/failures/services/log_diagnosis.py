"""A failed job's log read the way ``orchestrate diagnose`` reads it: the lines that explain the failure,
and the category the project's rules give those lines.

The category is decided on the explaining lines first, since the rest of a log mentions errors it
recovered from; when no rule knows those lines, on the log's tail as before, so a message the detectors do
not frame (a runner's own words) still finds its rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from agent.diagnosis import diagnose
from agent.diagnosis.categories import UNKNOWN, RuleSet

EXCERPT_LIMIT = 2000  # characters of excerpt a job's failure keeps


@dataclass(frozen=True, slots=True)
class LogDiagnosis:
    category: str
    rule: str
    excerpt: str
    spans: list[list[int]]  # [first_line, last_line], 1-based, in the stored log


def diagnose_log(rules: RuleSet, text: str, baseline: str | None = None) -> LogDiagnosis:
    def categorise(excerpt: str) -> tuple[str, str]:
        match = rules.categorise_log(excerpt)
        return match.category, match.rule

    result = diagnose(text, baseline, categorise=categorise)
    category, rule = result.category, result.rule
    if category == UNKNOWN:
        tail = rules.categorise_log(text)
        category, rule = tail.category, tail.rule
    excerpt = "\n".join(f"{number}: {line}" for number, line in result.excerpt())
    spans = [[span["first_line"], span["last_line"]] for span in result.as_json()["spans"]]
    return LogDiagnosis(category, rule, excerpt[:EXCERPT_LIMIT], spans)
