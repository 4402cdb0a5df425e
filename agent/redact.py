"""Remove tokens and secrets from text before it leaves the hub or the terminal.

Test messages, traces and CI logs carry whatever a program printed, and programs print credentials: an
``Authorization`` header in a failed HTTP call, a clone URL with a password, a ``.env`` dumped by a debug
line. The failure context is read by people and pasted into coding agents, so every string in it goes
through ``redact`` first. Each pattern keeps what identifies the secret's kind (``ghp_``, ``Bearer``, the
user in a URL) and replaces the secret itself with ``[REDACTED]``, so a reader still sees which credential
was involved.

Pure functions over plain data, in ``agent/`` so the hub (which imports the agent) and the agent share
them. Patterns are anchored on prefixes or keywords, never on "long random-looking strings": a commit SHA
or a test id is not a secret, and a reader needs them.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "[REDACTED]"

# (pattern, replacement): a replacement keeps the groups that name the secret's kind.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # PEM private keys, whole blocks (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8 ...).
    (
        re.compile(
            r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\Z)", re.S
        ),
        rf"-----BEGIN \1PRIVATE KEY-----{MASK}-----END \1PRIVATE KEY-----",
    ),
    # GitHub: personal (classic and fine-grained), OAuth, app installation, user-to-server, refresh tokens.
    (re.compile(r"\b(github_pat_|gh[pousr]_)[A-Za-z0-9_]{16,}"), rf"\1{MASK}"),
    # GitLab personal, project, group, deploy, runner and trigger tokens.
    (re.compile(r"\b(glpat-|gldt-|glrt-|glptt-|glcbt-)[A-Za-z0-9_\-]{16,}"), rf"\1{MASK}"),
    # Slack bot, user, app and refresh tokens; Slack webhook URLs.
    (re.compile(r"\b(xox[abposre])-[A-Za-z0-9\-]{8,}"), rf"\1-{MASK}"),
    (re.compile(r"(https://hooks\.slack\.com/services/)[A-Za-z0-9/]+"), rf"\1{MASK}"),
    # AWS access key ids (a secret access key is caught by its name, below).
    (re.compile(r"\b(AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), rf"\1{MASK}"),
    # Orchestrate's own agent (orch_a_) and API (orch_u_) tokens: prefix and lookup id kept, secret gone.
    (re.compile(r"\b(orch_[au]_[0-9a-f]{12}_)[A-Za-z0-9_\-]+"), rf"\1{MASK}"),
    # JSON Web Tokens (three base64url parts, the first two JSON objects: "eyJ").
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]*"), MASK),
    # An Authorization header's value, whatever its scheme (kept: Bearer, Basic, token, Bot).
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|bot)\s+)?)[^\s\"',;]+"
        ),
        rf"\1{MASK}",
    ),
    # Bearer or Basic credentials elsewhere (a curl command line); a digit is required, so prose such as
    # "Basic authentication" stays.
    (re.compile(r"(?i)\b(bearer|basic)(\s+)(?=[^\s]*\d)[A-Za-z0-9_\-.~+/=]{8,}"), rf"\1\2{MASK}"),
    # Credentials in URLs: scheme://user:password@host.
    (re.compile(r"\b([a-z][a-z0-9+.\-]*://[^\s:/@]+:)[^\s@/]+@", re.I), rf"\1{MASK}@"),
    # key=value and key: value where the key says secret (password=..., "api_key": "...", SECRET=...).
    (
        re.compile(
            r"""(?ix)
            \b((?:[a-z0-9_\-]*[_\-])?(?:password|passwd|pwd|secret|api[_\-]?key|access[_\-]?key|token|
            private[_\-]?key|client[_\-]?secret|auth)(?:[_\-][a-z0-9_\-]*)?)
            (["']?\s*[:=]\s*["']?)
            (?!\[REDACTED\])([^\s"',;&]{3,})"""
        ),
        rf"\1\2{MASK}",
    ),
)


def redact(text: str) -> str:
    """``text`` with every secret it contains replaced by ``[REDACTED]`` (its kind kept)."""
    if not text:
        return text
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_all(value: Any) -> Any:
    """``value`` with ``redact`` applied to every string in it, through dicts, lists and tuples (keys
    included: a header dumped as a mapping may name a secret in a key)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_all(key): redact_all(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(item) for item in value]
    return value
