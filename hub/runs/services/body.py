"""Reading a request body into a seekable spool, bounded before and after gzip decompression.

The body never sits in memory whole: it streams from the socket into a spooled temporary file (memory up
to a few MB, disk beyond), gzip members are inflated with an output bound so a gzip bomb is refused with
413 instead of exhausting memory, and the SHA-256 of the content is taken on the way for idempotency.
``request_body`` finds the body to read, chunked ones included.
"""

from __future__ import annotations

import hashlib
import tempfile
import zlib
from dataclasses import dataclass
from typing import IO

from django.http import HttpRequest

from hub.runs.services.errors import LengthRequired, MalformedBody, PayloadTooLarge, human_size

CHUNK = 256 * 1024
SPOOL_IN_MEMORY = 4 * 1024 * 1024


def check_declared_length(request: HttpRequest, limit: int, limit_name: str) -> None:
    """Refuse (413) a body whose ``Content-Length`` is over ``limit`` before reading any of it."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise MalformedBody("Content-Length is not a number.") from None
    if length > limit:
        raise PayloadTooLarge(
            f"The request body ({length} bytes) is larger than the limit of {human_size(limit)} "
            f"({limit_name}); split it into several uploads."
        )


def request_body(request: HttpRequest) -> IO[bytes]:
    """The stream of ``request``'s body, also when it comes in chunks without a ``Content-Length``.

    Django reads ``Content-Length`` bytes of ``wsgi.input``, so a chunked body (``curl -T -``, most HTTP
    libraries streaming a generator) reads as empty. A server that de-chunks promises with
    ``wsgi.input_terminated`` (gunicorn, mod_wsgi) that its input ends where the body does: read that to
    its end (the readers bound it). Without the promise, reading to the end could wait forever: 411."""
    environ = getattr(request, "environ", {})
    if request.META.get("CONTENT_LENGTH") or "wsgi.input" not in environ:
        return request  # Django's own stream (under ASGI, the whole body)
    if environ.get("wsgi.input_terminated"):
        return environ["wsgi.input"]
    if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise LengthRequired(
            "This server cannot read a chunked body: send Content-Length, or run the hub under gunicorn."
        )
    return request


class BoundedStream:
    """Reads ``stream`` and refuses (413) once more than ``limit`` bytes came, naming the setting."""

    def __init__(self, stream: IO[bytes], limit: int, limit_name: str) -> None:
        self._stream = stream
        self.limit = limit
        self.limit_name = limit_name
        self.received = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = self.limit - self.received + 1  # enough to tell that the body is over the limit
        data = self._stream.read(size)
        self.received += len(data)
        if self.received > self.limit:
            raise PayloadTooLarge(
                f"The request body is larger than the limit of {human_size(self.limit)} ({self.limit_name}); "
                "split it into several uploads."
            )
        return data


@dataclass
class Spool:
    file: IO[bytes]
    size: int
    sha256: str

    def close(self) -> None:
        self.file.close()


def spool_body(stream: IO[bytes], *, encoding: str, max_bytes: int, max_decompressed: int) -> Spool:
    """Copy ``stream`` to a spool, inflating gzip when ``encoding`` says so, within both bounds."""
    encoding = (encoding or "identity").strip().lower()
    if encoding not in {"identity", "gzip", "x-gzip"}:
        from hub.runs.services.errors import UnsupportedMediaType

        raise UnsupportedMediaType(f"Content-Encoding {encoding!r} is not supported: send gzip or nothing.")
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned to the caller
    digest = hashlib.sha256()
    received = 0
    written = 0
    inflater = zlib.decompressobj(wbits=31) if encoding != "identity" else None

    def emit(data: bytes) -> None:
        nonlocal written
        written += len(data)
        if written > max_decompressed:
            raise PayloadTooLarge(
                f"The report inflates to more than the limit of {human_size(max_decompressed)} "
                "(REPORT_MAX_DECOMPRESSED_BYTES); split it into several uploads."
            )
        digest.update(data)
        out.write(data)

    try:
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            received += len(chunk)
            if received > max_bytes:
                raise PayloadTooLarge(
                    f"The request body is larger than the limit of {human_size(max_bytes)} "
                    "(REPORT_MAX_BYTES); send it gzip-compressed or split it."
                )
            if inflater is None:
                emit(chunk)
                continue
            pending = chunk
            while pending:
                try:
                    # The output bound keeps one call from inflating a bomb in memory at once.
                    emit(inflater.decompress(pending, CHUNK))
                    pending = inflater.unconsumed_tail
                    while inflater.eof and inflater.unused_data:
                        # Concatenated gzip members are one stream (RFC 1952); start the next member.
                        rest = inflater.unused_data + pending
                        inflater = zlib.decompressobj(wbits=31)
                        pending = rest
                        emit(inflater.decompress(pending, CHUNK))
                        pending = inflater.unconsumed_tail
                except zlib.error as exc:
                    raise MalformedBody(f"The body is not valid gzip: {exc}") from None
        if inflater is not None:
            while not inflater.eof and inflater.unconsumed_tail:
                emit(inflater.decompress(inflater.unconsumed_tail, CHUNK))
            if not inflater.eof:
                raise MalformedBody("The gzip body is truncated: its last member does not end.")
    except BaseException:
        out.close()
        raise
    if written == 0:
        out.close()
        raise MalformedBody("The request body is empty.")
    out.seek(0)
    return Spool(file=out, size=written, sha256=digest.hexdigest())
