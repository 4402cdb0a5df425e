"""LCOV tracefiles (``geninfo``/``lcov``, ``c8``/``nyc --reporter=lcov``, ``cargo llvm-cov``) to counts.

Lines come from ``DA:<line>,<hits>[,<checksum>]`` and branches from ``BRDA:<line>,<block>,<branch>,<taken>``
(``-`` means never reached: not covered). Records for the same ``SF:`` (merged tracefiles) are merged, a
line counting once. A record with no ``DA``/``BRDA`` lines falls back on its ``LF``/``LH``/``BRF``/``BRH``
summaries. Read line by line: memory holds the per-line tallies of the files, not the text.
"""

from __future__ import annotations

from agent.model import Coverage, FileCoverage
from agent.parsers import _values as v
from agent.parsers._errors import parse_error

MAX_LINE_BYTES = 1024 * 1024


class _File:
    __slots__ = ("branches", "lines", "summary")

    def __init__(self) -> None:
        self.lines: dict[int, bool] = {}
        self.branches: dict[tuple[str, str, str], bool] = {}
        self.summary = {"LF": 0, "LH": 0, "BRF": 0, "BRH": 0}

    def counts(self) -> tuple[int, int, int, int]:
        s = self.summary
        if self.lines:
            lines_covered, lines_valid = sum(self.lines.values()), len(self.lines)
        else:
            lines_covered, lines_valid = min(s["LH"], s["LF"]), s["LF"]
        if self.branches:
            branches_covered, branches_valid = sum(self.branches.values()), len(self.branches)
        else:
            branches_covered, branches_valid = min(s["BRH"], s["BRF"]), s["BRF"]
        return lines_covered, lines_valid, branches_covered, branches_valid


def read(path: str) -> Coverage:
    files: dict[str, _File] = {}
    current: _File | None = None
    try:
        stream = open(path, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise parse_error(path, f"cannot be read: {exc.strerror or exc}") from None
    with stream:
        number = 0
        while raw := stream.readline(MAX_LINE_BYTES + 1):
            number += 1
            if len(raw) > MAX_LINE_BYTES:
                raise parse_error(path, f"a line is longer than {MAX_LINE_BYTES} bytes", number)
            line = raw.decode("utf-8", errors="replace").strip()
            key, _, value = line.partition(":")
            if key == "SF":
                current = files.setdefault(v.path(value.strip()) or "(unknown)", _File())
            elif key == "end_of_record":
                current = None
            elif current is None:
                if key in ("DA", "BRDA", "LF", "LH"):
                    raise parse_error(path, f"'{key}:' outside a record: no 'SF:' line before it", number, 1)
            elif key == "DA":
                fields = value.split(",")
                line_number = v.integer(fields[0]) if fields else None
                if line_number is None or len(fields) < 2:
                    message = f"malformed DA line {line!r}: expected DA:<line>,<hits>"
                    raise parse_error(path, message, number, 1)
                hit = fields[1].strip() not in ("0", "-", "")
                current.lines[line_number] = current.lines.get(line_number, False) or hit
            elif key == "BRDA":
                fields = value.split(",")
                if len(fields) < 4:
                    raise parse_error(
                        path,
                        f"malformed BRDA line {line!r}: expected BRDA:<line>,<block>,<branch>,<taken>",
                        number,
                        1,
                    )
                branch = (fields[0], fields[1], fields[2])
                taken = fields[3].strip() not in ("0", "-", "")
                current.branches[branch] = current.branches.get(branch, False) or taken
            elif key in current.summary:
                current.summary[key] += v.integer(value.strip()) or 0
    results = []
    for name, record in files.items():
        lines_covered, lines_valid, branches_covered, branches_valid = record.counts()
        results.append(FileCoverage(name, lines_covered, lines_valid, branches_covered, branches_valid))
    return Coverage(
        format="lcov",
        lines_covered=sum(f.lines_covered for f in results),
        lines_valid=sum(f.lines_valid for f in results),
        branches_covered=sum(f.branches_covered for f in results),
        branches_valid=sum(f.branches_valid for f in results),
        files=tuple(results),
    )
