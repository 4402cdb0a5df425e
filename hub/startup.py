"""What every way of starting the hub does before Django runs: manage.py (every command, the worker
``qcluster`` among them), the WSGI and ASGI applications, and gunicorn's configuration file.

Two things, so that a person gets a sentence rather than a traceback:

* Variables not set in the environment are read from an env file (``ORCHESTRATE_ENV_FILE``, by default
  ``var/demo.env``, which ``make demo`` writes), so the demo's own commands work as written in its checkout.
* The settings are loaded and the apps set up; a bad or missing variable stops the process with one line
  that names it and says how to set it (``ImproperlyConfigured`` from ``hub/env.py`` and the apps).
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

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
        raise SystemExit(PREFIX + one_line(str(exc))) from None


def one_line(message: str) -> str:
    return " ".join(message.split())
