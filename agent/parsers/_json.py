"""Loading a whole JSON report with a size bound and errors that name the line and column."""

from __future__ import annotations

import json
import os
from typing import Any

from agent.parsers._errors import parse_error

MAX_JSON_BYTES = 256 * 1024 * 1024  # Mocha's JSON is one document; refuse one bigger than this


def load_document(path: str) -> Any:
    try:
        size = os.path.getsize(path)
        if size > MAX_JSON_BYTES:
            raise parse_error(
                path,
                f"is {size} bytes, over the {MAX_JSON_BYTES} byte limit for a JSON report; use a "
                "streaming format (JUnit XML) for a report this large",
            )
        with open(path, "rb") as stream:
            data = stream.read()
    except OSError as exc:
        raise parse_error(path, f"cannot be read: {exc.strerror or exc}") from None
    try:
        return json.loads(data)
    except UnicodeDecodeError as exc:
        raise parse_error(path, f"is not UTF-8 text: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise parse_error(path, f"is not valid JSON: {exc.msg}", exc.lineno, exc.colno) from None
