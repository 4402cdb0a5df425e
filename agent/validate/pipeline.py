"""One validation: build, start the application, wait for it to be healthy, send the smoke requests, stop.

Each step either passes or ends the validation with a reason a person can act on; whatever happens (a
failed step, an exception, Ctrl-C) every process started is stopped before ``validate`` returns. The
result is plain data (``Result``) that the command prints, turns into a commit status and an exit code.

The health check backs off (0.1 s doubling to 2 s) until the health timeout, and gives up at once when
the application exits: waiting a minute for a process that is gone helps no one. Requests go straight to
the application, never through a proxy from the environment (a CI's ``HTTP_PROXY`` would not reach
127.0.0.1).
"""

from __future__ import annotations

import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.validate import processes
from agent.validate.config import Smoke, ValidateConfig

FIRST_DELAY, MAX_DELAY = 0.1, 2.0
MAX_BODY_BYTES = 1 << 20
BUILD, START, HEALTH, SMOKE = "build", "start", "health", "smoke"


@dataclass(frozen=True)
class Step:
    name: str
    ok: bool
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class Result:
    """What a validation found: passed, or the step that failed and why; the logs' tails (redacted)."""

    ok: bool
    steps: tuple[Step, ...]
    failed_step: str | None = None
    reason: str = ""
    logs: dict[str, str] = field(default_factory=dict)

    def summary(self) -> str:
        """One line for a person and for a commit status's description."""
        if self.ok:
            return f"validated: {', '.join(step.name for step in self.steps)} passed"
        return f"{self.failed_step} failed: {self.reason}"

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "failed_step": self.failed_step,
            "reason": self.reason,
            "summary": self.summary(),
            "steps": [
                {"name": s.name, "ok": s.ok, "seconds": round(s.seconds, 3), "detail": s.detail}
                for s in self.steps
            ],
            "logs": self.logs,
        }


class _Failed(Exception):
    def __init__(self, step: str, reason: str) -> None:
        super().__init__(reason)
        self.step = step
        self.reason = reason


def validate(
    config: ValidateConfig,
    env: Mapping[str, str],
    *,
    cwd: Path | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> Result:
    """Run ``config`` in ``cwd`` with ``env`` and ``config.env``; ``progress`` gets lines for stderr."""
    child_env = {**env, **config.env}
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="orchestrate-validate-") as scratch:
        logs = {BUILD: Path(scratch) / "build.log", START: Path(scratch) / "app.log"}
        app: processes.Group | None = None
        try:
            if config.build:
                steps.append(_build(config, child_env, cwd, logs[BUILD], progress))
            progress(f"starting: {config.start}")
            began = time.monotonic()
            app = processes.start(str(config.start), log=logs[START], env=child_env, cwd=cwd)
            steps.append(Step(START, True, time.monotonic() - began, f"process group {app.pgid}"))
            steps.append(_healthy(config, app, progress))
            for smoke in config.smoke:
                steps.append(_smoke(config, smoke, progress))
            outcome = Result(True, tuple(steps))
        except _Failed as failure:
            steps.append(Step(failure.step, False, 0.0, failure.reason))
            outcome = Result(False, tuple(steps), failure.step, failure.reason)
        finally:
            if app is not None:
                progress(f"stopping process group {app.pgid}")
                processes.stop(app, config.timeouts.stop)
        kept = {
            name: processes.tail(path, config.max_log_bytes) for name, path in logs.items() if path.exists()
        }
    return Result(outcome.ok, outcome.steps, outcome.failed_step, outcome.reason, kept)


def _build(
    config: ValidateConfig,
    env: Mapping[str, str],
    cwd: Path | None,
    log: Path,
    progress: Callable[[str], None],
) -> Step:
    progress(f"building: {config.build}")
    began = time.monotonic()
    group = processes.start(str(config.build), log=log, env=env, cwd=cwd)
    try:
        code = processes.wait(group, config.timeouts.build)
    finally:
        processes.stop(group, config.timeouts.stop)
    seconds = time.monotonic() - began
    if code is None:
        raise _Failed(BUILD, f"still running after {config.timeouts.build:g} s; raise timeouts.build")
    if code != 0:
        raise _Failed(BUILD, f"exited with code {code}; see the build log")
    return Step(BUILD, True, seconds, "exit code 0")


def _healthy(config: ValidateConfig, app: processes.Group, progress: Callable[[str], None]) -> Step:
    url = str(config.health_url)
    began = time.monotonic()
    deadline = began + config.timeouts.health
    delay, attempt, last = FIRST_DELAY, 0, ""
    while True:
        attempt += 1
        code = app.exited()
        if code is not None:
            raise _Failed(HEALTH, f"the application exited with code {code} before {url} answered")
        status, _, error = request("GET", url, None, config.timeouts.request)
        if status == config.health_status:
            return Step(HEALTH, True, time.monotonic() - began, f"{url} answered {status}")
        last = error or f"answered {status}, expected {config.health_status}"
        left = deadline - time.monotonic()
        if left <= 0:
            raise _Failed(
                HEALTH, f"{url} not healthy after {config.timeouts.health:g} s ({attempt} tries): {last}"
            )
        progress(f"waiting for {url} (try {attempt}): {last}; next in {min(delay, left):.1f} s")
        time.sleep(min(delay, left))
        delay = min(delay * 2, MAX_DELAY)


def _smoke(config: ValidateConfig, smoke: Smoke, progress: Callable[[str], None]) -> Step:
    began = time.monotonic()
    status, body, error = request(
        smoke.method, config.base_url + smoke.path, smoke.body, config.timeouts.request
    )
    if error:
        raise _Failed(SMOKE, f"{smoke.describe()}: {error}")
    if status != smoke.status:
        raise _Failed(SMOKE, f"{smoke.describe()} answered {status}, expected {smoke.status}")
    if smoke.contains is not None and smoke.contains not in body:
        raise _Failed(SMOKE, f"{smoke.describe()}: the answer does not contain {smoke.contains!r}")
    progress(f"smoke {smoke.describe()}: {status}")
    return Step(SMOKE, True, time.monotonic() - began, f"{smoke.describe()} answered {status}")


def request(method: str, url: str, body: str | None, timeout: float) -> tuple[int | None, str, str]:
    """(status, body text, error): an HTTP answer of any status, or the error that prevented one."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    data = body.encode() if body is not None else None
    call = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (http(s) checked in config)
    try:
        with opener.open(call, timeout=timeout) as response:
            return response.status, _text(response.read(MAX_BODY_BYTES)), ""
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, _text(exc.read(MAX_BODY_BYTES)), ""
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, "", str(reason) or type(exc).__name__


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")
