"""``/live/stream/``: server-sent events telling a page that what it shows changed; ``/live/changes/``:
the same answer by short polling, for browsers behind a proxy that buffers streams.

A stream holds one server thread, so each process serves at most ``LIVE_MAX_STREAMS`` of them (beyond
that: 503, and the page polls instead) and each ends after ``LIVE_STREAM_SECONDS`` (the browser's
EventSource reconnects with ``Last-Event-ID``, so nothing is missed). Between changes a comment line
every ``LIVE_HEARTBEAT_SECONDS`` keeps proxies from closing the stream and finds departed readers.
"""

from __future__ import annotations

import threading
import time

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse, StreamingHttpResponse

from hub.dashboard.live import BadWatch, Watch, parse_watch, since
from hub.outbox.services.live import FANOUT, latest

PADDING = ":" + " " * 2048 + "\n\n"  # some proxies hold the first bytes back until they have 2 KiB


class StreamSlots:
    """How many streams this process serves now, bounded."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = 0

    def take(self, limit: int) -> bool:
        with self.lock:
            if self.open >= limit:
                return False
            self.open += 1
            return True

    def give_back(self) -> None:
        with self.lock:
            self.open -= 1


SLOTS = StreamSlots()


def _cursor(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _watch(request) -> Watch | HttpResponse:
    try:
        return parse_watch(request.GET.get("watch", ""))
    except BadWatch as bad:
        return JsonResponse({"error": f"{bad}: use the value the page gives"}, status=400)


@login_required
def changes(request):
    """``{"cursor": n, "changed": bool}``: whether the watch changed after ``after``; poll again with
    the returned cursor."""
    watch = _watch(request)
    if isinstance(watch, HttpResponse):
        return watch
    newest = latest()
    after = _cursor(request.GET.get("after"))
    changed = after is not None and newest > after and since(request.user, watch, after, newest)
    response = JsonResponse({"cursor": newest, "changed": bool(changed)})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def stream(request):
    watch = _watch(request)
    if isinstance(watch, HttpResponse):
        return watch
    cursor = _cursor(request.headers.get("Last-Event-ID")) or _cursor(request.GET.get("after"))
    if not SLOTS.take(settings.LIVE_MAX_STREAMS):
        answer = JsonResponse(
            {"error": "this hub process streams to as many pages as it may: poll"}, status=503
        )
        answer["Retry-After"] = "30"
        return answer
    events = _Stream(_events(request.user, watch, cursor), SLOTS)
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass the stream through unbuffered
    return response


class _Stream:
    """The events, and the slot given back exactly once when the server closes the response (which it
    does whether or not the stream was ever read)."""

    def __init__(self, events, slots: StreamSlots) -> None:
        self.events = events
        self.slots = slots
        self.closed = False

    def __iter__(self):
        return self.events

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.events.close()
            self.slots.give_back()


def _events(user, watch: Watch, cursor: int | None):
    try:
        yield from _changes(user, watch, cursor)
    finally:
        connection.close()  # a stream's connection is not kept for the thread's next request


def _changes(user, watch: Watch, cursor: int | None):
    seen = latest() if cursor is None else cursor
    if cursor is not None and since(user, watch, cursor):
        yield _event("change", seen := latest())
    yield PADDING + "retry: 1000\n" + _event("ready", seen)
    deadline = time.monotonic() + settings.LIVE_STREAM_SECONDS
    while (left := deadline - time.monotonic()) > 0:
        newest = FANOUT.wait_beyond(seen, min(left, settings.LIVE_HEARTBEAT_SECONDS))
        if newest > seen and since(user, watch, seen, newest):
            yield _event("change", newest)
        elif newest <= seen:
            yield ": heartbeat\n\n"
        seen = max(seen, newest)


def _event(name: str, cursor: int) -> str:
    return f"id: {cursor}\nevent: {name}\ndata: {cursor}\n\n"
