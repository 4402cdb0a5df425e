"""Inline SVG geometry for the small charts (durations over time, sparklines of counts): pure functions
from numbers to point lists, so the pages need no chart library and the shapes are tested as data."""

from __future__ import annotations

from collections.abc import Sequence


def polyline(values: Sequence[float | None], width: float, height: float, pad: float = 2) -> str:
    """``values`` (oldest first; ``None`` skipped) as an SVG ``points`` string inside ``width`` x
    ``height``, the largest value at the top, zero at the bottom."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return ""
    top = max(v for _, v in known) or 1.0
    step = (width - 2 * pad) / max(len(values) - 1, 1)
    points = (f"{pad + i * step:.1f},{height - pad - (v / top) * (height - 2 * pad):.1f}" for i, v in known)
    return " ".join(points)


def bars(values: Sequence[int], width: float, height: float, gap: float = 1) -> list[dict[str, float]]:
    """One bar per value (x, y, width, height), for a sparkline of daily counts."""
    if not values:
        return []
    top = max(values) or 1
    slot = width / len(values)
    shapes = []
    for i, value in enumerate(values):
        tall = (value / top) * height if value else 0.0
        x, y, w, h = i * slot, height - tall, slot - gap, tall
        shapes.append({"x": round(x, 1), "y": round(y, 1), "w": round(w, 1), "h": round(h, 1)})
    return shapes
