"""What every webhook view shares: a bounded body, constant-time checks, one answer shape, the log.

Each provider's module has the same shape: ``verify(request, body) -> Incoming`` (raising ``Rejected``),
and the view is ``receive(request, module.verify)``: verify, store, enqueue, answer. Nothing slow runs
here; the work is done by ``hub.webhooks.tasks.process_delivery``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from hub.api.errors import error_body
from hub.integrations.crypto import SecretUnreadable
from hub.runs.services.errors import human_size
from hub.webhooks.services.processing import Incoming, accept

log = logging.getLogger("hub.webhooks")

KEPT_HEADERS = (
    "User-Agent",
    "Content-Type",
    "X-GitHub-Event",
    "X-GitHub-Delivery",
    "X-GitHub-Hook-ID",
    "X-GitHub-Hook-Installation-Target-Type",
    "X-GitHub-Hook-Installation-Target-ID",
    "X-GitHub-Enterprise-Host",
    "X-Gitlab-Event",
    "X-Gitlab-Event-UUID",
    "X-Gitlab-Webhook-UUID",
    "X-Gitlab-Instance",
    "Idempotency-Key",
    "Circleci-Event-Type",
)
MAX_HEADER_VALUE = 300


class Rejected(Exception):
    """The request is refused before anything is stored; ``message`` says what to do."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def unauthorized(message: str) -> Rejected:
    return Rejected(401, "unauthorized", message)


def read_body(request: HttpRequest) -> bytes:
    """The raw body, refused with 413 past ``WEBHOOK_MAX_BYTES`` (checked before reading when declared)."""
    limit = settings.WEBHOOK_MAX_BYTES
    too_large = Rejected(
        413,
        "too_large",
        f"The body is larger than the hub's limit of {human_size(limit)} (WEBHOOK_MAX_BYTES).",
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise Rejected(400, "malformed", "Content-Length is not a number.") from None
    if declared > limit:
        raise too_large
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    return body


def parse_json(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        raise Rejected(
            400, "malformed", "The body is not JSON; send the payload as application/json."
        ) from None
    if not isinstance(payload, dict):
        raise Rejected(400, "malformed", "The body is JSON but not an object.")
    return payload


def hmac_sha256_hex(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def same(expected: str, given: str) -> bool:
    """Constant-time equality of two secrets or digests (bytes, so any text compares)."""
    return hmac.compare_digest(expected.encode(), given.encode())


def body_digest_id(body: bytes) -> str:
    """A delivery id for providers that sent none: the body's digest, so a resend is still a replay."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def kept_headers(request: HttpRequest) -> dict[str, str]:
    return {
        name: request.headers[name][:MAX_HEADER_VALUE] for name in KEPT_HEADERS if name in request.headers
    }


def receive(request: HttpRequest, provider: str, verify: Callable[..., Incoming], *args: Any) -> JsonResponse:
    try:
        body = read_body(request)
        incoming = verify(request, body, *args)
    except SecretUnreadable as exc:
        log.error("webhook %s cannot be verified: %s", provider, exc)
        return JsonResponse(
            error_body("server_error", "The hub cannot read its stored webhook secret; its log says why."),
            status=500,
        )
    except Rejected as exc:
        # Logged without the body or any credential: the provider, the reason and who sent it.
        log.warning(
            "webhook %s rejected (%s %s): %s; delivery %s from %s",
            provider,
            exc.status,
            exc.code,
            exc.message,
            _delivery_hint(request),
            request.META.get("REMOTE_ADDR", "?"),
        )
        return JsonResponse(error_body(exc.code, exc.message), status=exc.status)
    delivery, created = accept(incoming)
    answer = {"delivery": delivery.pk, "status": delivery.status, "replayed": not created}
    return JsonResponse(answer, status=202 if created else 200)


def _delivery_hint(request: HttpRequest) -> str:
    for name in ("X-GitHub-Delivery", "Idempotency-Key", "X-Gitlab-Event-UUID"):
        if name in request.headers:
            return request.headers[name][:100]
    return "-"
