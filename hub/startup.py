"""What every way of starting the hub does before Django runs: manage.py (every command, the worker
``qcluster`` among them), the WSGI and ASGI applications, and gunicorn's configuration file.

Two things, so that a person gets a sentence rather than a traceback:

* Variables not set in the environment are read from an env file (``ORCHESTRATE_ENV_FILE``, by default
  ``var/demo.env``, which ``make demo`` writes), so the demo's own commands work as written in its checkout.
* The settings are loaded and the apps set up; a bad or missing variable stops the process with one line
  that names it and says how to set it (``ImproperlyConfigured`` from ``hub/env.py`` and the apps).
* A management command that cannot connect to the database, and the worker when the database or Redis
  cannot be reached, stop with one line naming ``DATABASE_URL`` or ``REDIS_URL``. (The hub itself starts
  anyway and answers 503 on ``/healthz`` until they are back.)
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path
from typing import NoReturn

from django.core.exceptions import ImproperlyConfigured

from hub.env import read_env_file

ENV_FILE_VARIABLE = "ORCHESTRATE_ENV_FILE"
DEFAULT_ENV_FILE = Path(__file__).resolve().parent.parent / "var" / "demo.env"
PREFIX = "orchestrate hub: "


def env_file(environ: MutableMapping[str, str]) -> Path | None:
    """The env file to read: ``ORCHESTRATE_ENV_FILE`` when set (empty reads none), else ``var/demo.env``
    when it exists."""
    named = environ.get(ENV_FILE_VARIABLE)
    if named is not None:
        return Path(named).expanduser() if named.strip() else None
    return DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None


def load_env_file(environ: MutableMapping[str, str]) -> Path | None:
    """Copy the env file's variables into ``environ`` where it has none (the environment wins)."""
    path = env_file(environ)
    if path is None:
        return None
    for name, value in read_env_file(path, ENV_FILE_VARIABLE).items():
        environ.setdefault(name, value)
    return path


def prepare() -> None:
    """Load the env file, the settings and the apps, or stop with one line saying what to fix."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hub.settings")
    try:
        load_env_file(os.environ)
        import django

        django.setup()
    except ImproperlyConfigured as exc:
        stop(str(exc))


def stop(message: str) -> NoReturn:
    """End the process with status 1 and ``message`` as one line on stderr (SystemExit prints it)."""
    raise SystemExit(PREFIX + " ".join(message.split()))


def run_command(argv: list[str]) -> None:
    """Run a management command (manage.py's body, after ``prepare``)."""
    from django.core.management import execute_from_command_line
    from django.db import OperationalError, connections

    try:
        if argv[1:2] == ["qcluster"]:  # its processes would each fail on their own, with tracebacks
            connections["default"].ensure_connection()
            check_redis()
        execute_from_command_line(argv)
    except OperationalError as exc:
        if connections["default"].connection is not None:
            raise  # connected, then failed: a problem of the command's, with its traceback
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        stop(
            f"cannot connect to the database of DATABASE_URL: {reason}; check DATABASE_URL "
            "(or DATABASE_URL_FILE) and that the database is running"
        )


def check_redis() -> None:
    """Stop with one line when ``REDIS_URL`` is set and Redis does not answer."""
    from django.conf import settings

    if not settings.REDIS_URL:
        return
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=5, socket_timeout=5).ping()
    except redis.RedisError as exc:
        reason = str(exc).rstrip(".")
        stop(f"cannot reach Redis at REDIS_URL: {reason}; check REDIS_URL and that Redis is running")
