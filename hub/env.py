"""Typed readers of environment variables for ``hub/settings.py``: each fails loudly, naming the variable
and what a good value looks like, so a bad deployment stops at start instead of misbehaving later."""

from __future__ import annotations

import os
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def envbool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false")


def envint(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip().replace("_", ""))
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}={raw!r} is not an integer: set a whole number, e.g. {default}"
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum of {minimum}: set {minimum} or more")
    return value


def envsize(name: str, default: int) -> int:
    """A byte size: a plain number, or with a K/M/G suffix (powers of 1024)."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    text = raw.strip().upper().removesuffix("B").removesuffix("I")
    factor = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    digits = text[:-1] if factor != 1 else text
    try:
        value = int(digits) * factor
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a size: use e.g. 200M or 1G") from None
    if value <= 0:
        raise ImproperlyConfigured(f"{name}={raw!r} must be positive: use e.g. 200M or 1G")
    return value


def envlist(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def envsecret(name: str) -> str | None:
    """A secret from NAME, or from the file named by NAME_FILE (Docker and Kubernetes secrets)."""
    value = os.environ.get(name)
    path = os.environ.get(f"{name}_FILE")
    if value and path:
        raise ImproperlyConfigured(f"set {name} or {name}_FILE, not both")
    if path:
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={path!r} cannot be read: {exc.strerror}") from None
    return value


def envfile(name: str) -> Path | None:
    """A path to a file that must exist and be readable, or None when the variable is unset or empty."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    path = Path(raw.strip()).expanduser()
    if not path.is_file() or not os.access(path, os.R_OK):
        raise ImproperlyConfigured(f"{name}={raw!r} is not a readable file")
    return path


def read_env_file(path: Path, variable: str) -> dict[str, str]:
    """``NAME=value`` lines (blank lines and ``#`` comments skipped; the value taken as written, without
    quotes). ``variable`` names the setting that chose the file, for the error."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(
            f"{variable}: {str(path)!r} cannot be read ({exc.strerror}): fix it, or set {variable}= for none"
        ) from None
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        name, equals, value = stripped.removeprefix("export ").partition("=")
        if not equals or not _ENV_NAME.match(name.strip()):
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value, not {stripped[:60]!r}")
        found[name.strip()] = value.strip()
    return found
