"""``POST /webhooks/gitlab``: ``X-Gitlab-Token`` must equal the webhook's secret token (the project's own,
else ``GITLAB_WEBHOOK_TOKEN``), compared in constant time. A redelivery is recognised by GitLab's
``Idempotency-Key`` (else ``X-Gitlab-Event-UUID``).
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hub.integrations.services import setting_hint, webhook_secret
from hub.webhooks.models import Source
from hub.webhooks.services import gitlab
from hub.webhooks.services.processing import Incoming
from hub.webhooks.views.common import (
    Rejected,
    body_digest_id,
    kept_headers,
    parse_json,
    project_named,
    receive,
    same,
    unauthorized,
)


def verify(request: HttpRequest, body: bytes) -> Incoming:
    event = request.headers.get("X-Gitlab-Event", "")
    if not event:
        raise Rejected(
            400, "malformed", "X-Gitlab-Event is missing: this URL takes GitLab webhook deliveries."
        )
    token = request.headers.get("X-Gitlab-Token", "")
    if not token:
        raise unauthorized("X-Gitlab-Token is missing: set the webhook's secret token on GitLab.")
    payload = parse_json(body)
    name = gitlab.project_name(payload)
    project = project_named(name)
    secret = webhook_secret(Source.GITLAB, project)
    if not secret:
        raise unauthorized(f"No webhook token can verify this delivery: {setting_hint(Source.GITLAB)}.")
    if not same(secret, token):
        raise unauthorized(
            "X-Gitlab-Token does not match: the secret token on GitLab differs from the hub's."
        )
    attributes = (
        payload.get("object_attributes") if isinstance(payload.get("object_attributes"), dict) else {}
    )
    action = attributes.get("action") or attributes.get("status") or payload.get("build_status") or ""
    return Incoming(
        provider=Source.GITLAB,
        delivery_id=(
            request.headers.get("Idempotency-Key")
            or request.headers.get("X-Gitlab-Event-UUID")
            or body_digest_id(body)
        ),
        event=event,
        action=action if isinstance(action, str) else "",
        project=project,
        body=body,
        headers=kept_headers(request),
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> JsonResponse:
    return receive(request, Source.GITLAB, verify)
