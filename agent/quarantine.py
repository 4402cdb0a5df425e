"""A project's quarantine list as the agent reads it from the hub, and the match of a failure against it.

The hub lists each quarantined test with its identity key; the agent computes the same key from a report's
case (``agent.identity``, the one implementation both use), so a failure is quarantined exactly when the
hub would file it under a quarantined test. Expired entries never reach the agent: the hub leaves them out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent.identity import case_key
from agent.model import TestCase

MAX_ENTRIES = 100_000  # a bound on what one answer may make the agent hold


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    name: str
    reason: str
    owner: str = ""
    expires_at: str | None = None


@dataclass(frozen=True)
class QuarantineList:
    project: str
    entries: Mapping[bytes, QuarantineEntry]

    def __len__(self) -> int:
        return len(self.entries)

    def entry_for(self, case: TestCase) -> QuarantineEntry | None:
        """The entry that covers ``case``, if its test is quarantined."""
        return self.entries.get(case_key(case))

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> QuarantineList:
        """Read the hub's ``GET /api/v1/quarantine`` answer; ValueError says what is wrong with it."""
        items = body.get("entries")
        if not isinstance(items, list):
            raise ValueError("the answer has no list of entries")
        if len(items) > MAX_ENTRIES:
            raise ValueError(f"the answer lists more than {MAX_ENTRIES} entries")
        entries: dict[bytes, QuarantineEntry] = {}
        for item in items:
            test = item.get("test") if isinstance(item, dict) else None
            key = test.get("key") if isinstance(test, dict) else None
            try:
                digest = bytes.fromhex(key) if isinstance(key, str) else b""
            except ValueError:
                digest = b""
            if len(digest) != 16:
                raise ValueError("an entry has no valid test key (32 hex digits)")
            owner = test.get("classname") or test.get("suite") or ""
            name = f"{owner}.{test.get('name', '')}" if owner else str(test.get("name", ""))
            entries[digest] = QuarantineEntry(
                name=name,
                reason=str(item.get("reason") or ""),
                owner=str(item.get("owner") or ""),
                expires_at=item.get("expires_at") if isinstance(item.get("expires_at"), str) else None,
            )
        project = body.get("project")
        return cls(project=project if isinstance(project, str) else "", entries=entries)
