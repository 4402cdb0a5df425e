"""``orchestrate ci wait``: look at a run every few seconds until it completes, and show that it moves.

Progress goes to stderr, in one of two forms. On a terminal, one line rewritten in place: the run's state,
the elapsed time and how many jobs are in each state. Elsewhere (a CI log, a file) rewriting makes no
sense, so a line is printed when a job (or the run) changes state, and a heartbeat line when nothing has
been printed for ``heartbeat`` seconds: a log that stays silent for twenty minutes looks hung.

Sleeping and the clock come from the runtime, so tests drive a whole wait without waiting.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from agent.commands.base import Runtime
from agent.commands.ci.output import duration, state

if TYPE_CHECKING:
    from agent.providers.base import Provider, RunInfo

CLEAR_LINE = "\r\x1b[K"
MAX_FAILED_LOOKS = 3  # a network blip during a long wait is retried; this many in a row end the wait


class Waiter:
    def __init__(
        self,
        provider: Provider,
        run_id: str,
        *,
        runtime: Runtime,
        interval: float,
        heartbeat: float,
        timeout: float | None = None,
    ) -> None:
        self.provider = provider
        self.run_id = run_id
        self.runtime = runtime
        self.interval = interval
        self.heartbeat = heartbeat
        self.timeout = timeout
        self.tty = _isatty(runtime.stderr)
        self.started = runtime.clock()
        self.last_printed = self.started
        self.states: dict[str, str] = {}  # "run" or a job id -> its last state shown

    @property
    def elapsed(self) -> float:
        return self.runtime.clock() - self.started

    def wait(self) -> RunInfo:
        """The run once completed, or as last seen when ``timeout`` passed first."""
        try:
            while True:
                run = self._look()
                self._show(run)
                left = None if self.timeout is None else self.timeout - self.elapsed
                if run.completed or (left is not None and left <= 0):
                    self._finish(run)
                    return run
                self.runtime.sleep(self.interval if left is None else min(self.interval, left))
        except KeyboardInterrupt:
            self._write(f"\nstopped waiting; run {self.run_id} goes on\n")
            raise

    def _look(self) -> RunInfo:
        """The run now; a failure the provider could not get past is tried again at the next interval,
        unless it is about the token, the run's existence, or it keeps happening."""
        from agent.providers import AuthenticationError, NotFoundError, ProviderError, UnsupportedOperation

        final = (AuthenticationError, NotFoundError, UnsupportedOperation)
        for attempt in range(1, MAX_FAILED_LOOKS + 1):
            try:
                return self.provider.get_run(self.run_id)
            except ProviderError as exc:
                if isinstance(exc, final) or attempt == MAX_FAILED_LOOKS:
                    raise
                self._line(f"warning: {exc.message}; looking again in {self.interval:g}s")
                self.runtime.sleep(self.interval)
        raise AssertionError("unreachable")

    def _show(self, run: RunInfo) -> None:
        if self.tty:
            self._write(f"{CLEAR_LINE}{self._summary(run)}")
            return
        first = not self.states
        printed = False
        if first:
            self._line(f"waiting for run {run.id} ({run.workflow} on {run.branch}), every {self.interval:g}s")
        for key, name, now in [("run", "run", state(run))] + [(j.id, j.name, state(j)) for j in run.jobs]:
            before = self.states.get(key)
            if before != now:
                change = now if before is None else f"{before} -> {now}"
                self._line(f"[{duration(self.elapsed)}] {name}: {change}")
                self.states[key] = now
                printed = True
        if not printed and self.runtime.clock() - self.last_printed >= self.heartbeat:
            self._line(f"[{duration(self.elapsed)}] still waiting: {self._summary(run)}")

    def _summary(self, run: RunInfo) -> str:
        counts = Counter(state(job) for job in run.jobs)
        jobs = ", ".join(f"{count} {name}" for name, count in sorted(counts.items()))
        return f"run {run.id} {state(run)} {duration(self.elapsed)}" + (f" | jobs: {jobs}" if jobs else "")

    def _finish(self, run: RunInfo) -> None:
        self._line(f"run {run.id} {state(run)} after {duration(self.elapsed)}")

    def _line(self, text: str) -> None:
        """A whole line; on a terminal it replaces the progress line, which the next look redraws."""
        self._write((CLEAR_LINE if self.tty else "") + text + "\n")
        self.last_printed = self.runtime.clock()

    def _write(self, text: str) -> None:
        self.runtime.stderr.write(text)
        self.runtime.stderr.flush()


def _isatty(stream: object) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False
