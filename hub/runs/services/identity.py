"""A test's identity across runs: its class (or suite when a tool gives no class), name and file.

Hashed to a fixed-width key so the unique index stays small and lookups are one equality, whatever the
length of a parametrised test's name.
"""

from __future__ import annotations

import hashlib

SEPARATOR = "\x1f"  # cannot appear in XML text, so no two identities join to the same string


def test_key(parts: tuple[str, str, str]) -> bytes:
    """``parts`` is (class, or suite when there is no class; name; file or "")."""
    return hashlib.blake2b(SEPARATOR.join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()


test_key.__test__ = False  # a function, not a pytest test
