"""Why an ingest was refused, with the HTTP status that says so and a message a person can act on."""

from __future__ import annotations


class IngestError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, details=None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class PayloadTooLarge(IngestError):
    status = 413
    code = "too_large"


class LengthRequired(IngestError):
    status = 411
    code = "length_required"


class IdempotencyKeyReused(IngestError):
    """The IETF idempotency-key draft's answer to a key sent again with another payload."""

    status = 422
    code = "idempotency_key_reused"


class UnsupportedMediaType(IngestError):
    status = 415
    code = "unsupported_media_type"


class MalformedBody(IngestError):
    status = 400
    code = "malformed"


class InvalidDocument(IngestError):
    status = 422
    code = "invalid_document"


class WrongProject(IngestError):
    status = 403
    code = "wrong_project"


def human_size(n: int) -> str:
    """A limit as people configure it: 64 MiB, 512 KiB, or bytes when not a round number."""
    for shift, unit in ((30, "GiB"), (20, "MiB"), (10, "KiB")):
        if n >= 1 << shift and n % (1 << shift) == 0:
            return f"{n >> shift} {unit}"
    return f"{n} bytes"
