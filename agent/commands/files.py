"""Turning the command line's file arguments into paths: globs, ``**``, and ``!`` exclusions.

A pattern that names an existing file is taken as it is (a file called ``a[1].xml`` is not a glob);
others are expanded with ``**`` meaning any depth. ``!pattern`` removes earlier matches. Paths keep the
form the user wrote (relative stays relative), sorted per pattern, each listed once.
"""

from __future__ import annotations

import fnmatch
import glob
import os
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Matched:
    paths: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # patterns that matched nothing


def expand(patterns: Iterable[str]) -> Matched:
    result = Matched()
    seen: set[str] = set()
    excludes: list[str] = []
    for pattern in patterns:
        if pattern.startswith("!"):
            excludes.append(pattern[1:])
            continue
        if os.path.isfile(pattern):
            found = [pattern]
        else:
            found = sorted(p for p in glob.glob(pattern, recursive=True) if os.path.isfile(p))
        if not found:
            result.unmatched.append(pattern)
        for path in found:
            if path not in seen:
                seen.add(path)
                result.paths.append(path)
    if excludes:
        result.paths = [p for p in result.paths if not any(fnmatch.fnmatch(p, x) for x in excludes)]
    return result
