"""A test's identity across runs: its class (or suite when a tool gives no class), name and file.

Hashed to a fixed-width key so the unique index stays small and lookups are one equality, whatever the
length of a parametrised test's name.
"""

from __future__ import annotations

import hashlib

from agent.model import TestCase

SEPARATOR = "\x1f"  # cannot appear in XML text, so no two identities join to the same string


def identity(case: TestCase) -> tuple[str, str, str]:
    return (case.classname or case.suite or "", case.name, case.file or "")


def test_key(parts: tuple[str, str, str]) -> str:
    return hashlib.blake2b(SEPARATOR.join(parts).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


test_key.__test__ = False  # a function, not a pytest test
