"""Why an OIDC token was refused: a short reason code for machines and a message for people.

Messages name the check that failed and what to change; they never echo the token.
"""

from __future__ import annotations

from hub.runs.services.errors import IngestError


class OidcError(Exception):
    """The token failed a check (401). ``reason`` is stable (``expired``, ``wrong_audience``, ...)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched: not the token's fault, so 503 and the agent retries."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RunMismatch(IngestError):
    """A report or artifact names a run other than the one the token was issued to."""

    status = 403
    code = "oidc_run_mismatch"
