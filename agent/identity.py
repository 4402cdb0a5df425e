"""A test's identity across runs, as the hub keys it: class (or suite when a tool gives no class), name and
file, hashed to a fixed-width digest.

One implementation for both sides: the hub stores tests under this key (``hub.runs.services.identity``
imports it from here) and the agent computes the same key to match a report's failures against the
project's quarantine list, so the two can never disagree about which test is which.
"""

from __future__ import annotations

import hashlib

from agent.model import TestCase

SEPARATOR = "\x1f"  # cannot appear in XML text, so no two identities join to the same string


def test_key(parts: tuple[str, str, str]) -> bytes:
    """``parts`` is (class, or suite when there is no class; name; file or "")."""
    return hashlib.blake2b(SEPARATOR.join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


test_key.__test__ = False  # a function, not a pytest test


def case_key(case: TestCase) -> bytes:
    """The key the hub gives ``case`` when its report document is ingested."""
    return test_key((case.classname or case.suite or "", case.name, case.file or ""))
