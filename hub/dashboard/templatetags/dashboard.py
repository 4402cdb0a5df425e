"""Template helpers: status marks (colour, glyph and word together), times in the reader's zone and
durations people read."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.html import format_html, format_html_join

from hub.dashboard import marks

register = template.Library()


def _badge(found: marks.Mark, compact: bool = False):
    if compact:
        return format_html(
            '<span class="mark tone-{}" title="{}" role="img" aria-label="{}">{}</span>',
            found.tone,
            found.word,
            found.word,
            found.glyph,
        )
    return format_html(
        '<span class="badge tone-{}"><span aria-hidden="true">{}</span> {}</span>',
        found.tone,
        found.glyph,
        found.word,
    )


@register.simple_tag
def status(kind: str, value: str | None, compact: bool = False):
    """A badge for ``value`` of vocabulary ``kind`` (run, result, state, fix, classification)."""
    return _badge(marks.mark(kind, value), compact)


@register.simple_tag
def run_status(run, compact: bool = False):
    """A run's or job's badge: its conclusion once completed, its status before."""
    return _badge(marks.run_mark(run.status, run.conclusion), compact)


@register.simple_tag
def result_status(status_value: str, retried: bool = False, compact: bool = False):
    return _badge(marks.result_mark(status_value, retried), compact)


@register.filter
def retried(result) -> bool:
    """A final result that passed after a failed attempt in its job (its attempt number is above 1)."""
    return result.status == "passed" and result.attempt > 1


@register.simple_tag
def when(value: datetime | str | None, relative: bool = False):
    """A ``<time>`` the page's script renders in the reader's zone; UTC until then (and without script)."""
    if not value:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    shown = value.strftime("%Y-%m-%d %H:%M UTC")
    return format_html(
        '<time datetime="{}"{}>{}</time>', value.isoformat(), " data-relative" if relative else "", shown
    )


@register.filter
def seconds(value: float | None) -> str:
    """45 ms, 12.3 s, 4 min 05 s, 32 min, 2 h 07 min: as precise as a glance needs."""
    if value is None:
        return "—"
    value = float(value)
    if value < 1:
        return f"{value * 1000:.0f} ms"
    if value < 60:
        return f"{value:.1f} s" if value < 10 else f"{value:.0f} s"
    minutes, secs = divmod(round(value), 60)
    if minutes < 10:
        return f"{minutes} min {secs:02d} s"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@register.filter
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


@register.filter
def short_sha(value: str | None) -> str:
    return (value or "")[:10]


@register.simple_tag
def run_span(run) -> str:
    """Wall time of a run or job, when both ends are known."""
    if run.started_at and run.finished_at and run.finished_at >= run.started_at:
        return seconds((run.finished_at - run.started_at).total_seconds())
    return "—"


@register.simple_tag
def sparkline(bars: list[dict[str, float]], width: float, height: float, label: str):
    """An inline SVG of ``bars`` (``charts.bars``), built in one pass: a list of clusters draws fifty."""
    rects = format_html_join("", '<rect x="{}" y="{}" width="{}" height="{}"/>', (
        (b["x"], b["y"], b["w"], b["h"]) for b in bars
    ))  # fmt: skip
    return format_html(
        '<svg class="spark" width="{}" height="{}" viewBox="0 0 {} {}" role="img" aria-label="{}">{}</svg>',
        width, height, width, height, label, rects,
    )  # fmt: skip
