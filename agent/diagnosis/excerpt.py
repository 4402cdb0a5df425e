"""Which lines explain a failed log: the detectors' hits merged into spans and cut to a line budget.

The budget (``MAX_LINES``, 60) is spent on the surest spans first (see the scores in
``agent.diagnosis.anchors``), earliest first within a score: a compiler's or a test run's first error is
more often the cause than its last, while the runner's "exit code 1" says only that something failed, so
it is shown when there is room. A span longer than what is left keeps its end, where a traceback or a
Gradle block states the error. With a passing log of the same job as a baseline, a line that the passing
log printed too (numbers, times and hashes masked) explains nothing and is dropped: a deprecation notice
that says "error" in every build, or a test that logs an expected exception.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from agent.diagnosis.anchors import BLOCK, EXIT, GENERIC, Hit
from agent.diagnosis.lines import Kind, Line, normalised

MAX_LINES = 60
TAIL_LINES = 10  # shown when no detector finds anything: the end of a log is where a failure usually is


@dataclass(frozen=True, slots=True)
class Span:
    """Lines ``first``..``last`` of the log (0-based, inclusive) and the detector that found them."""

    first: int
    last: int
    score: int
    rule: str

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def known_lines(baseline: Sequence[Line]) -> frozenset[str]:
    return frozenset(normalised(line.text) for line in baseline if line.kind is Kind.TEXT)


def select(
    lines: Sequence[Line],
    hits: Iterable[Hit],
    *,
    known: frozenset[str] = frozenset(),
    budget: int = MAX_LINES,
) -> list[Span]:
    """The spans to show, in log order, at most ``budget`` lines in all."""
    kept = [hit for hit in hits if not _explained_by_baseline(lines, hit, known)]
    best = max((hit.score for hit in kept), default=0)
    if best >= BLOCK:
        # A tool's own error block says what the word "error" elsewhere and the exit code only echo.
        kept = [hit for hit in kept if hit.score > GENERIC]
    elif best > EXIT:
        kept = [hit for hit in kept if hit.score > EXIT]
    if not kept:
        return _tail(lines, min(budget, TAIL_LINES))
    chosen: list[Hit] = []
    covered: set[int] = set()
    for hit in sorted(kept, key=lambda h: (-h.score, h.first)):
        left = budget - len(covered)
        if left <= 0:
            break
        new = [i for i in range(hit.first, hit.last + 1) if i not in covered]
        if not new:
            continue
        if len(new) > left:
            hit = Hit(new[-left], hit.last, hit.score, hit.rule)  # a block's end states its error
            new = new[-left:]
        chosen.append(hit)
        covered.update(new)
    return _merge(chosen)


def _explained_by_baseline(lines: Sequence[Line], hit: Hit, known: frozenset[str]) -> bool:
    if not known or hit.score == EXIT:
        return False
    texts = [lines[i].text for i in range(hit.first, hit.last + 1) if lines[i].kind is not Kind.BLANK]
    return all(normalised(text) in known for text in texts)


def _merge(items: Iterable[Hit | Span]) -> list[Span]:
    """Overlapping or touching blocks as one span, carrying the best score and that detector's name."""
    merged: list[Span] = []
    for item in sorted(items, key=lambda h: (h.first, -h.last)):
        if merged and item.first <= merged[-1].last + 1:
            last = merged[-1]
            best = last if last.score >= item.score else item
            merged[-1] = Span(last.first, max(last.last, item.last), best.score, best.rule)
        else:
            merged.append(Span(item.first, item.last, item.score, item.rule))
    return merged


def _tail(lines: Sequence[Line], count: int) -> list[Span]:
    shown = [i for i, line in enumerate(lines) if line.kind in (Kind.TEXT, Kind.ANNOTATION)][-count:]
    return _merge(Span(i, i, 0, "tail") for i in shown)
