"""Telling open pages that something they show changed, fast, on every hub process.

``changed`` records a ``Change`` row in the caller's transaction (the cursor pages poll is its id) and
wakes the processes that hold live pages, by the cheapest way the deployment has:

- Redis (``REDIS_URL`` set): ``PUBLISH`` on ``LIVE_CHANNEL`` after commit;
- PostgreSQL: ``NOTIFY`` in the transaction itself (PostgreSQL delivers it on commit, never on rollback);
- SQLite (the embedded default): nothing is sent; each process polls the newest change id, one indexed
  read every ``LIVE_POLL_MS``.

``Fanout`` is the receiving side: one listener thread per process, however many pages it streams to,
waking every waiting stream through one condition variable. A wake-up is only a hint: streams read the
``Change`` rows after their cursor, so a lost message costs latency (until the next heartbeat), never a
missed change.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from hub.outbox.models import Change

log = logging.getLogger(__name__)

LIVE_CHANNEL = "orchestrate_live"
PRUNE_EVERY = 500  # changes recorded between two prunes


def changed(topic: str, project_id: int, *, run_id: int | None = None, fix_job_id: int | None = None) -> int:
    """Record that ``topic`` happened to a project's run or fix job, in the caller's transaction; wake
    the live pages when it commits. Returns the change's id (its cursor)."""
    change = Change.objects.create(topic=topic, project_id=project_id, run_id=run_id, fix_job_id=fix_job_id)
    if change.pk % PRUNE_EVERY == 0:
        Change.objects.filter(
            created_at__lt=timezone.now() - timedelta(seconds=settings.LIVE_KEEP_SECONDS)
        ).delete()
    backend = backend_name()
    if backend == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [LIVE_CHANNEL, str(change.pk)])
    elif backend == "redis":
        pk = change.pk
        transaction.on_commit(lambda: _publish(pk))
    return change.pk


def backend_name() -> str:
    """How changes travel between processes here: redis, postgresql or poll."""
    if settings.REDIS_URL:
        return "redis"
    return "postgresql" if connection.vendor == "postgresql" else "poll"


def latest() -> int:
    """The newest committed change's id (0 when there is none)."""
    return Change.objects.aggregate(newest=Max("pk"))["newest"] or 0


def _publish(pk: int) -> None:
    try:
        _redis().publish(LIVE_CHANNEL, str(pk))
    except Exception as error:  # a lost wake-up is caught by the streams' heartbeat; never fail the writer
        log.warning("live change %s not published: %s", pk, type(error).__name__)


def _redis():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5)


class Fanout:
    """One process's view of the newest change id, kept by one listener thread; streams wait on it."""

    def __init__(self, backend: str | None = None) -> None:
        self.chosen = backend
        self.backend = backend
        self.newest = 0
        self.condition = threading.Condition()
        self.started = False
        self.stopping = threading.Event()

    def start(self) -> None:
        with self.condition:
            if self.started:
                return
            self.backend = self.chosen or backend_name()
            self.newest = max(self.newest, latest())
            self.started = True
            self.stopping = stopping = threading.Event()
        listen = {"redis": self._listen_redis, "postgresql": self._listen_postgresql}.get(
            self.backend, self._poll
        )
        threading.Thread(
            target=self._listen, args=(listen, stopping), name=f"live-{self.backend}", daemon=True
        ).start()

    def stop(self) -> None:
        """End the listener thread (it closes its connections); the next wait starts a new one."""
        with self.condition:
            self.stopping.set()
            self.started = False

    def wait_beyond(self, seen: int, timeout: float) -> int:
        """The newest change id once it is past ``seen``, or when ``timeout`` seconds have passed."""
        self.start()
        with self.condition:
            self.condition.wait_for(lambda: self.newest > seen, timeout=timeout)
            return self.newest

    def bump(self, value: int) -> None:
        with self.condition:
            if value > self.newest:
                self.newest = value
                self.condition.notify_all()

    def _listen(self, listen, stopping: threading.Event) -> None:
        try:
            while not stopping.is_set():
                try:
                    listen(stopping)
                except Exception as error:  # reconnect after a pause; the heartbeat covers the gap
                    log.warning("live listener (%s) stopped: %s; reconnecting", self.backend, error)
                    stopping.wait(1.0)
        finally:
            connection.close()  # this thread's own database connection

    def _poll(self, stopping: threading.Event) -> None:
        while not stopping.is_set():
            self.bump(latest())
            stopping.wait(settings.LIVE_POLL_MS / 1000)

    def _listen_redis(self, stopping: threading.Event) -> None:
        subscription = _redis().pubsub(ignore_subscribe_messages=True)
        try:
            subscription.subscribe(LIVE_CHANNEL)
            self.bump(latest())  # anything committed before the subscription
            while not stopping.is_set():
                message = subscription.get_message(timeout=1.0)
                if message and str(message.get("data", b""), "ascii", "replace").isdigit():
                    self.bump(int(message["data"]))
        finally:
            subscription.close()

    def _listen_postgresql(self, stopping: threading.Event) -> None:
        import psycopg

        params = connection.get_connection_params()
        with psycopg.connect(**params, autocommit=True) as listener:
            listener.execute(f"LISTEN {LIVE_CHANNEL}")
            self.bump(latest())
            while not stopping.is_set():
                for notice in listener.notifies(timeout=1.0):
                    if notice.payload.isdigit():
                        self.bump(int(notice.payload))


FANOUT = Fanout()
