"""``POST /webhooks/circleci``: ``circleci-signature`` holds ``v1=`` + the hex HMAC-SHA256 of the raw body
under the webhook's signing secret (the project's own, else ``CIRCLECI_WEBHOOK_SECRET``); several
comma-separated signatures may be sent, and one matching ``v1`` suffices. The event's ``id`` is the
delivery id.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hub.integrations.services import setting_hint, webhook_secret
from hub.webhooks.models import Source
from hub.webhooks.services import circleci
from hub.webhooks.services.processing import Incoming
from hub.webhooks.views.common import (
    body_digest_id,
    hmac_sha256_hex,
    kept_headers,
    parse_json,
    project_named,
    receive,
    same,
    unauthorized,
)


def signatures(header: str) -> list[str]:
    """The ``v1`` hex digests in a ``circleci-signature`` header (``v1=abc,v1=def``)."""
    found = []
    for part in header.split(","):
        version, _, value = part.strip().partition("=")
        if version == "v1" and value:
            found.append(value.strip())
    return found


def signature_matches(secret: str, body: bytes, header: str) -> bool:
    """Does one ``v1`` signature in ``header`` sign ``body`` under ``secret``? Every candidate is compared
    in constant time, none short-cut."""
    expected = hmac_sha256_hex(secret, body)
    return any([same(expected, value) for value in signatures(header)])


def verify(request: HttpRequest, body: bytes) -> Incoming:
    given = signatures(request.headers.get("Circleci-Signature", ""))
    if not given:
        raise unauthorized(
            "circleci-signature (v1=...) is missing: give the webhook a secret token on CircleCI."
        )
    payload = parse_json(body)
    name = circleci.project_name(payload)
    project = project_named(name)
    secret = webhook_secret(Source.CIRCLECI, project)
    if not secret:
        raise unauthorized(f"No signing secret can verify this delivery: {setting_hint(Source.CIRCLECI)}.")
    if not signature_matches(secret, body, request.headers.get("Circleci-Signature", "")):
        raise unauthorized(
            "circleci-signature does not match the body: the secret token on CircleCI differs from the hub's."
        )
    event = request.headers.get("Circleci-Event-Type") or payload.get("type") or ""
    subject = payload.get("job") if event == "job-completed" else payload.get("workflow")
    action = subject.get("status") if isinstance(subject, dict) else ""
    delivery_id = payload.get("id") if isinstance(payload.get("id"), str) and payload.get("id") else None
    return Incoming(
        provider=Source.CIRCLECI,
        delivery_id=delivery_id or body_digest_id(body),
        event=event if isinstance(event, str) else "",
        action=action if isinstance(action, str) else "",
        project=project,
        body=body,
        headers=kept_headers(request),
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    return receive(request, Source.CIRCLECI, verify)
