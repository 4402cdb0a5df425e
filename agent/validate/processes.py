"""Commands run by ``orchestrate validate``, each in a process group of its own, and stopped as a group.

An application's start command often forks: a shell running a server, a server spawning workers. Killing
the process we started would leave those running after validate ends (in CI, holding the port for the next
job). So every command starts a new session (``start_new_session``: its own process group, whose id is the
leader's pid), and stopping sends SIGTERM to the whole group, waits, then SIGKILL, and returns only once no
live process is left in the group. A zombie (dead, waiting for a parent to reap it) counts as gone: in a
container whose first process does not reap, orphans stay zombies for ever.

Output goes to a file rather than a pipe, so a chatty application never blocks on a full pipe and the
log's tail can be read at any time, bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from agent.redact import redact

SHELL = ("/bin/sh", "-c")
POLL = 0.05


@dataclass
class Group:
    """A command running as the leader of its own process group, its output going to ``log``."""

    command: str
    process: subprocess.Popen[bytes]
    log: Path
    handle: IO[bytes]

    @property
    def pgid(self) -> int:
        return self.process.pid

    def exited(self) -> int | None:
        """The leader's exit code once it has ended (reaped), None while it runs."""
        return self.process.poll()


def start(command: str, *, log: Path, env: Mapping[str, str], cwd: Path | None = None) -> Group:
    """``command`` run by ``/bin/sh -c`` in a new process group, stdout and stderr appended to ``log``."""
    handle = open(log, "ab")  # noqa: SIM115 (closed by stop)
    process = subprocess.Popen(
        [*SHELL, command],
        stdin=subprocess.DEVNULL,
        stdout=handle,
        stderr=subprocess.STDOUT,
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
    )
    return Group(command, process, log, handle)


def wait(group: Group, timeout: float) -> int | None:
    """The leader's exit code, or None when it still runs after ``timeout`` seconds (real time: these are
    real processes)."""
    deadline = time.monotonic() + timeout
    while (code := group.exited()) is None and time.monotonic() < deadline:
        time.sleep(POLL)
    return code


def stop(group: Group, grace: float) -> None:
    """End every process of ``group``: SIGTERM, up to ``grace`` seconds, then SIGKILL; return when none
    is left alive."""
    try:
        _signal(group.pgid, signal.SIGTERM)
        if not _gone(group, grace):
            _signal(group.pgid, signal.SIGKILL)
            _gone(group, 5.0)
    finally:
        group.handle.close()


def alive(pgid: int) -> list[int]:
    """The live (not zombie) processes of group ``pgid``, by pid; read from ``/proc`` where there is one."""
    proc = Path("/proc")
    if not proc.is_dir():  # no /proc (macOS): a signal 0 says whether the group has any process at all
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return []
        return [pgid]
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses, so split after the last ")".
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


def tail(path: Path, max_bytes: int) -> str:
    """The last ``max_bytes`` of ``path`` as text, secrets redacted; a cut is marked at the start."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as handle:
            handle.seek(max(0, size - max_bytes))
            data = handle.read(max_bytes)
    except OSError:
        return ""
    text = data.decode("utf-8", "replace")
    if size > max_bytes:
        text = f"[... {size - max_bytes} earlier bytes left out ...]\n" + text.split("\n", 1)[-1]
    return redact(text)


def _signal(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def _gone(group: Group, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        group.exited()  # reap the leader, else it stays a zombie in its own group
        if not alive(group.pgid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)
