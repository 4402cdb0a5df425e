"""The plain-text table every benchmark prints its figures in: one column per field, padded, ruled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def render(rows: Sequence[Any], columns: Sequence[tuple[str, str]]) -> str:
    """``rows`` (objects with the attributes named by ``columns``, all strings) under the titles of
    ``columns``, given as ``(attribute, title)`` pairs."""
    cells = [[title for _, title in columns]] + [[getattr(row, key) for key, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)) for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
