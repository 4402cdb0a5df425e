"""A test's identity across runs: its class (or suite when a tool gives no class), name and file.

Hashed to a fixed-width key so the unique index stays small and lookups are one equality, whatever the
length of a parametrised test's name. The key function lives in the agent (``agent.identity``), which
computes the same key to match failures against a project's quarantine list: one implementation.
"""

from __future__ import annotations

from agent.identity import SEPARATOR, test_key

__all__ = ["SEPARATOR", "test_key"]
