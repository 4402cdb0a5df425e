"""Bodies too big to hold, behind ``ApiClient.download`` and ``read_tail``: a download streams to disk under
a size bound (and is removed past it); a log keeps only its tail in memory, cut at a whole line.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from agent.providers._http_urls import without_query
from agent.providers.base import DownloadTooLarge

if TYPE_CHECKING:
    from agent.providers.http import ApiClient

CHUNK = 64 << 10


def download(client: ApiClient, path_or_url: str, dest: Path, *, max_bytes: int) -> Path:
    """Stream a body (through redirects) into ``dest``; over ``max_bytes`` the file is removed."""
    response = client.request("GET", path_or_url, stream=True)
    declared = response.headers.get("Content-Length", "")
    try:
        if declared.isdigit() and int(declared) > max_bytes:
            raise _too_big(client, path_or_url, max_bytes)
        dest.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with open(dest, "wb") as out:
            for chunk in response.iter_content(CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise _too_big(client, path_or_url, max_bytes)
                out.write(chunk)
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        response.close()
    return dest


def _too_big(client: ApiClient, path_or_url: str, max_bytes: int) -> DownloadTooLarge:
    return DownloadTooLarge(
        f"{client.provider}'s download {without_query(client.url(path_or_url))} is larger than "
        f"{max_bytes >> 20} MiB",
        "download less at a time (one artifact with --name), or raise the bound",
    )


def read_tail(
    client: ApiClient, path_or_url: str, *, max_bytes: int, not_found_hint: str | None = None
) -> str:
    """A text body (through redirects); when longer than ``max_bytes``, its last ``max_bytes``."""
    response = client.request("GET", path_or_url, stream=True, not_found_hint=not_found_hint)
    buffer = bytearray()
    dropped = 0
    try:
        for chunk in response.iter_content(CHUNK):
            buffer += chunk
            if len(buffer) > max_bytes:
                excess = len(buffer) - max_bytes
                dropped += excess
                del buffer[:excess]
    finally:
        response.close()
    return tail_text(bytes(buffer), dropped)


def tail_text(data: bytes, dropped: int) -> str:
    """Decode a log's kept tail; when the head was cut, start at a whole line and say how much went."""
    if dropped:
        newline = data.find(b"\n")
        if 0 <= newline < len(data) - 1:
            dropped += newline + 1
            data = data[newline + 1 :]
        return f"[... {dropped} bytes cut from the start of the log]\n" + data.decode("utf-8", "replace")
    return data.decode("utf-8", "replace")
