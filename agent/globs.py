"""Path globs as the fixer's allowlist and the merge rules both read them: ``**`` crosses directories, ``*``
and ``?`` stay within one name, and a pattern ending in ``/`` covers everything under that directory. One
reading, so a path the fixer may write is the path the merge rules allow."""

from __future__ import annotations

import re
from functools import lru_cache


def matches(path: str, pattern: str) -> bool:
    """Whether the repository-relative ``path`` is one ``pattern`` names."""
    if pattern.endswith("/"):
        return path.startswith(pattern)
    return _compiled(pattern).fullmatch(path) is not None


@lru_cache(maxsize=256)
def _compiled(pattern: str) -> re.Pattern[str]:
    parts, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(parts))
