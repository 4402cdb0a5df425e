"""django-q2's cluster, restarted whole when one of its processes is killed by a signal.

The sentinel's pusher, monitor and workers share ``multiprocessing`` queues whose locks are plain
semaphores that nobody releases for a dead holder: an idle worker waits for its next task holding the
task queue's read lock, the monitor waits for results holding the result queue's, and the pusher's feeder
thread holds the task queue's write lock while a full pipe blocks it. A process killed by a signal (the
OOM killer, ``kill -9``) takes its lock with it; django-q2 starts a process in its place, which waits on
that lock forever, and the cluster runs on doing nothing (issue 12's worker-kill: no task ran after two
to four kills, while ``qcluster`` looked alive). A process that ended on its own (an exception, a
recycle, a worker the sentinel itself terminated after ``Q_TIMEOUT``) released what it held, and is
replaced as django-q2 always does.

So on a death by a signal the sentinel kills every process it started and exits with ``RESTART``, and
``run`` starts a new sentinel with new queues. Tasks in flight come back as after any crash: the ORM
broker re-delivers them after ``Q_RETRY``, owed work (``hub.outbox``) is put back by its sweep.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from multiprocessing import Event
from multiprocessing.process import BaseProcess

from django import db
from django_q.cluster import Sentinel, get_mp_context
from django_q.conf import logger as log

RESTART = 75  # the sentinel's exit status asking for a new cluster (EX_TEMPFAIL)
PAUSE = 1.0  # seconds between a cluster's end and the next one's start


def killed_by_signal(exitcode: int | None) -> bool:
    """Whether a process that ended left the queues' locks in doubt: it died of a signal (``exitcode`` is
    minus the signal's number), rather than returning or raising (0 or a positive status)."""
    return exitcode is not None and exitcode < 0


class GuardedSentinel(Sentinel):
    """django-q2's sentinel, except that a process killed by a signal ends the cluster for a restart."""

    def reincarnate(self, process: BaseProcess) -> None:
        if process.is_alive() or not killed_by_signal(process.exitcode):
            super().reincarnate(process)
            return
        log.critical(
            "cluster process %s (pid %s) was killed by signal %s; restarting the whole cluster, since "
            "the queues it shared may be locked for good",
            process.name,
            process.pid,
            -process.exitcode,
        )
        self.kill_all()
        os._exit(RESTART)  # no clean-up: it would wait on the very queues in doubt

    def kill_all(self) -> None:
        for process in (*self.pool, self.monitor, self.pusher):
            if process is not None and process.is_alive():
                os.kill(process.pid, signal.SIGKILL)
        for process in (*self.pool, self.monitor, self.pusher):
            if process is not None:
                process.join(timeout=5)


def run() -> int:
    """Run clusters one after the other until one ends for another reason than ``RESTART``. SIGTERM and
    SIGINT stop the current one as django-q2's own ``Cluster`` does (0 is returned); otherwise the
    sentinel's exit status is."""
    stopping = threading.Event()
    while True:
        status = run_once(stopping)
        if stopping.is_set():
            return 0  # asked to stop: however the sentinel ended (a SIGTERM to the group ends it at once)
        if status != RESTART:
            return status
        log.critical("cluster restarting after a process was killed")
        time.sleep(PAUSE)


def run_once(stopping: threading.Event) -> int:
    stop_event, start_event = Event(), Event()

    def stop(signum: int, _frame: object) -> None:
        stopping.set()
        stop_event.set()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        db.connections.close_all()  # the sentinel and its processes open their own
        sentinel = get_mp_context().Process(
            target=GuardedSentinel,
            name=f"Process-{uuid.uuid4().hex}",
            args=(stop_event, start_event, uuid.uuid4(), None, None),
        )
        sentinel.start()
        sentinel.join()
        return sentinel.exitcode
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
