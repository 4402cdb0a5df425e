"""What every webhook view shares: a bounded body, constant-time checks, one answer shape, the log.

Each provider's module has the same shape: ``verify(request, body) -> Incoming`` (raising ``Rejected``),
and the view is ``receive(request, module.verify)``: verify, store, enqueue, answer. Nothing slow runs
here; the work is done by ``hub.webhooks.tasks.process_delivery``.

Whatever can be checked from the headers alone (the event, a signature's presence, the generic endpoint's
whole credential) is checked before the body is parsed. GitHub, GitLab and CircleCI deliveries name their
repository only in the body, and the repository decides which secret signs them, so those bodies are
parsed before the signature can be checked: that parse is bounded, in size (``WEBHOOK_MAX_BYTES``) and in
nesting (``MAX_JSON_DEPTH``), and anything past either bound is refused with a 4xx, never a 500.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from hub.api.errors import error_body
from hub.integrations.crypto import SecretUnreadable
from hub.projects.models import Project
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
MAX_JSON_DEPTH = 64  # providers' payloads nest about ten levels deep


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
    too_deep = Rejected(
        400, "malformed", f"The body's JSON nests deeper than {MAX_JSON_DEPTH} levels (MAX_JSON_DEPTH)."
    )
    try:
        payload = json.loads(body)
    except RecursionError:  # nested far past the bound: the parser gave up before we could look
        raise too_deep from None
    except (UnicodeDecodeError, ValueError):
        raise Rejected(
            400, "malformed", "The body is not JSON; send the payload as application/json."
        ) from None
    if not isinstance(payload, dict):
        raise Rejected(400, "malformed", "The body is JSON but not an object.")
    if nesting_depth(payload) > MAX_JSON_DEPTH:
        raise too_deep
    return payload


def nesting_depth(value: Any) -> int:
    """How deeply objects and arrays nest in ``value`` (a scalar is 0), walked without recursion."""
    deepest = 0
    pending = [(value, 1)] if isinstance(value, dict | list) else []
    while pending:
        container, depth = pending.pop()
        deepest = max(deepest, depth)
        children = container.values() if isinstance(container, dict) else container
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def project_named(name: str) -> Project | None:
    """The project a delivery names, if any. A name holding a NUL character names none (and PostgreSQL
    cannot compare it with text)."""
    if not name or "\x00" in name:
        return None
    return Project.objects.filter(full_name__iexact=name).first()


def without_nul(text: str) -> str:
    return text.replace("\x00", "")


def storable(incoming: Incoming) -> Incoming:
    """``incoming`` with NUL characters taken out of the text that is stored in columns (PostgreSQL text
    holds none); the raw body is stored as bytes, as received."""
    return replace(
        incoming,
        delivery_id=without_nul(incoming.delivery_id),
        event=without_nul(incoming.event),
        action=without_nul(incoming.action),
        headers={name: without_nul(value) for name, value in incoming.headers.items()},
    )


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
        incoming = storable(verify(request, body, *args))
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
