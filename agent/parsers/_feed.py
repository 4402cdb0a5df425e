"""Handing a file to expat in chunks so that a huge attribute costs time in proportion to its size.

Expat before 2.6 (Python 3.11 links 2.5) keeps an unfinished token (a start tag with its attributes, a
comment) and scans it again from its first byte on every ``Parse`` call until the token ends; and
``pyexpat`` cuts whatever it is given into 1 MiB calls. Fed in 64 KiB chunks, a 50 MB attribute value was
scanned 800 times over: quadratic, 45 s. Bigger chunks only move the problem to pyexpat's 1 MiB cut.

So the feed never lets expat hold a huge start tag. After each chunk it asks how much expat holds
unfinished (``CurrentByteIndex`` is where the unfinished token starts) and:

* while that is under ``MAX_VALUE_BYTES`` (1 MiB), reads as much again as is held ("reparse deferral", what
  expat 2.6 does inside), so the re-scans add up to a few times the token, not its square;
* past it, inside a start tag with an attribute value open, it closes the value itself and skips the rest
  of the file's value up to its closing quote, never handing it to expat. No field keeps that much: names
  are clipped to 1,000 characters, messages to 4,000, so the value reaches the model as it would have;
  only the count in its "[N characters cut]" marker starts from the cut.
* any other token (a comment, a processing instruction, a tag with thousands of attributes) past
  ``MAX_TOKEN_BYTES`` (4 MiB) means a damaged or hostile file (an unclosed quote swallowing the rest of
  a 2 GB report): it is refused with the limit named.

The skipped bytes are not checked for well-formedness, and positions in a later error message count
without them.
"""

from __future__ import annotations

import re
from typing import Any, BinaryIO

CHUNK_BYTES = 64 * 1024  # small enough that a chunk's finished cases stay few (cheap for the GC)
PIECE_BYTES = 1024 * 1024  # pyexpat hands expat at most this much per call; reads stay within it
MAX_VALUE_BYTES = 1024 * 1024  # a start tag held past this has its open attribute value cut
MAX_TOKEN_BYTES = 4 * 1024 * 1024  # any other single token past this: the file is refused

# A start tag whose last attribute value is still open: group 1 or 2 is its quote.
_OPEN_VALUE = re.compile(
    rb"<[^\s/>!?\"'=]+(?:\s+[^\s/>\"'=]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
    rb"\s+[^\s/>\"'=]+\s*=\s*(?:(\")[^\"]*|(')[^']*)"
)
_CONTINUATION = bytes(range(0x80, 0xC0))  # UTF-8 bytes that continue a character
_MAX_REFERENCE = 40  # longer than any character or entity reference a report uses


class TokenTooLarge(Exception):
    """A single token grew past the limit; the message names the limit and the likely cause."""


class Feed:
    """The chunks of ``source`` for ``parser``; see the module docstring for the sizes chosen.

    ``scanned`` counts the bytes expat is handed to scan, an unfinished token counted again at each
    re-scan (the parse's work, which a test pins); ``skipped`` the bytes of cut attribute values.
    """

    def __init__(
        self,
        parser: Any,
        source: BinaryIO,
        *,
        max_value_bytes: int = MAX_VALUE_BYTES,
        max_token_bytes: int = MAX_TOKEN_BYTES,
    ) -> None:
        self.parser = parser
        self.source = source
        self.max_value_bytes = max_value_bytes
        self.max_token_bytes = max_token_bytes
        self.fed = 0
        self.scanned = 0
        self.skipped = 0
        self._held: list[bytes] = []  # the last chunks fed, enough of them to hold the unfinished token

    def pending(self) -> int:
        """Bytes fed so far that expat has not finished with (the unfinished token)."""
        start = self.parser.CurrentByteIndex
        return self.fed - start if 0 <= start <= self.fed else 0

    def read(self) -> bytes:
        """The next bytes to feed (empty at the end of the file); raises TokenTooLarge past the limit."""
        pending = self.pending()
        chunk = self.source.read(min(max(CHUNK_BYTES, pending), PIECE_BYTES))
        if pending > self.max_value_bytes and chunk:
            chunk = self._past_limit(pending, chunk)
        while self._held and sum(map(len, self._held)) - len(self._held[0]) >= pending:
            self._held.pop(0)
        self._held.append(chunk)
        self.fed += len(chunk)
        self.scanned += pending + len(chunk)
        return chunk

    def _past_limit(self, pending: int, chunk: bytes) -> bytes:
        token = b"".join(self._held)[-pending:]
        quote = _open_quote(token)
        head = _completion(token, chunk, quote) if quote else None
        if quote is None or head is None:
            if pending > self.max_token_bytes:
                raise TokenTooLarge(
                    f"a single tag, comment or processing instruction is larger than "
                    f"{self.max_token_bytes // (1024 * 1024)} MiB (the limit for one XML token); the file "
                    "is damaged (an unclosed quote or comment?) or not a test report"
                )
            return chunk
        rest = chunk[len(head) :]
        end = rest.find(quote)
        while end < 0:
            self.skipped += len(rest)
            rest = self.source.read(PIECE_BYTES)
            if not rest:
                return head  # the file ends inside the value: expat reports the truncation
            end = rest.find(quote)
        self.skipped += end
        return head + quote + rest[end + 1 :]


def _open_quote(token: bytes) -> bytes | None:
    """The quote of the attribute value ``token`` (an unfinished start tag) ends inside, if any; None for
    other tokens and for encodings where a quote is not one byte (UTF-16)."""
    if b"\x00" in token[:64]:
        return None
    match = _OPEN_VALUE.fullmatch(token)
    if match is None:
        return None
    return match.group(1) or match.group(2)


def _completion(token: bytes, chunk: bytes, quote: bytes) -> bytes | None:
    """The start of ``chunk`` to feed before closing the value: the rest of a UTF-8 character or of a
    ``&...;`` reference the chunk boundary cut; None when the value cannot be closed cleanly here."""
    take = len(chunk) - len(chunk.lstrip(_CONTINUATION))
    tail = token[-_MAX_REFERENCE:] + chunk[:take]
    amp = tail.rfind(b"&")
    if amp >= 0 and b";" not in tail[amp:]:
        semi = chunk.find(b";", take, take + _MAX_REFERENCE)
        if semi < 0 or quote in chunk[take:semi]:
            return None
        take = semi + 1
    return chunk[:take]
