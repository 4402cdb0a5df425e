"""Turning what went wrong into a ``ReportParseError`` a person can act on: file, line, column, reason."""

from __future__ import annotations

from agent.model import ParseError, ReportParseError


def parse_error(
    path: str, message: str, line: int | None = None, column: int | None = None
) -> ReportParseError:
    return ReportParseError(ParseError(path=path, message=message, line=line, column=column))
