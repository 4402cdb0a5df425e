"""``POST /webhooks/github``: ``X-Hub-Signature-256`` is ``sha256=`` + the hex HMAC-SHA256 of the raw body
under the webhook's secret (the project's own, else ``GITHUB_WEBHOOK_SECRET``), compared in constant time.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hub.integrations.services import setting_hint, webhook_secret
from hub.webhooks.models import Source
from hub.webhooks.services.processing import Incoming
from hub.webhooks.views.common import (
    Rejected,
    body_digest_id,
    hmac_sha256_hex,
    kept_headers,
    parse_json,
    project_named,
    receive,
    same,
    unauthorized,
)

PREFIX = "sha256="


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """Does ``header`` (``sha256=<hex>``) sign ``body`` under ``secret``? Compared in constant time."""
    return same(PREFIX + hmac_sha256_hex(secret, body), header)


def verify(request: HttpRequest, body: bytes) -> Incoming:
    event = request.headers.get("X-GitHub-Event", "")
    if not event:
        raise Rejected(
            400, "malformed", "X-GitHub-Event is missing: this URL takes GitHub webhook deliveries."
        )
    if request.content_type != "application/json":
        raise Rejected(
            415, "unsupported_media_type", "Set the webhook's content type to application/json on GitHub."
        )
    signature = request.headers.get("X-Hub-Signature-256", "")
    if not signature.startswith(PREFIX):
        raise unauthorized("X-Hub-Signature-256 is missing: give the webhook a secret on GitHub.")
    payload = parse_json(body)
    repository = payload.get("repository") if isinstance(payload.get("repository"), dict) else {}
    name = repository.get("full_name") if isinstance(repository.get("full_name"), str) else ""
    project = project_named(name)
    secret = webhook_secret(Source.GITHUB, project)
    if not secret:
        raise unauthorized(f"No webhook secret can verify this delivery: {setting_hint(Source.GITHUB)}.")
    if not signature_matches(secret, body, signature):
        raise unauthorized(
            "X-Hub-Signature-256 does not match the body: the secret on GitHub differs from the hub's."
        )
    return Incoming(
        provider=Source.GITHUB,
        delivery_id=request.headers.get("X-GitHub-Delivery") or body_digest_id(body),
        event=event,
        action=payload.get("action") if isinstance(payload.get("action"), str) else "",
        project=project,
        body=body,
        headers=kept_headers(request),
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    return receive(request, Source.GITHUB, verify)
