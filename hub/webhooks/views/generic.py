"""``POST /webhooks/generic/<project>`` (the project's OWNER/NAME or id), for any CI that can post JSON.

Authenticated per the project's Integration: ``bearer`` (``Authorization: Bearer <secret>``) or ``hmac``
(the hex HMAC-SHA256 of the raw body, optionally prefixed ``sha256=``, in the configured header). The
body's shape is in docs/webhooks.md.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hub.integrations.models import GenericAuth
from hub.integrations.services import integration_of
from hub.projects.models import Project
from hub.webhooks.models import Source
from hub.webhooks.services import generic
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


def _project(ref: str) -> Project | None:
    if ref.isdigit():
        return Project.objects.filter(pk=int(ref)).first()
    return project_named(ref)


def verify(request: HttpRequest, body: bytes, ref: str) -> Incoming:
    project = _project(ref.strip("/"))
    integration = integration_of(project) if project is not None else None
    secret = integration.secret("generic_secret") if integration is not None else None
    # One answer for an unknown project, a missing and a wrong credential: the endpoint lists no projects.
    refused = unauthorized(
        f"Not accepted for project {ref!r}: the project needs a generic webhook secret (admin, "
        "Integrations), and the request its credential (Authorization: Bearer <secret>, or the HMAC "
        "header the project names)."
    )
    if not secret:
        raise refused
    if integration.generic_auth == GenericAuth.HMAC:
        given = request.headers.get(integration.generic_signature_header, "").strip().removeprefix("sha256=")
        ok = bool(given) and same(hmac_sha256_hex(secret, body), given)
    else:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        ok = scheme.lower() == "bearer" and bool(given.strip()) and same(secret, given.strip())
    if not ok:
        raise refused
    payload = parse_json(body)
    given_id = payload.get("id") if isinstance(payload.get("id"), str | int) else None
    return Incoming(
        provider=Source.GENERIC,
        delivery_id=(
            f"{project.pk}:{given_id}"
            if given_id not in (None, "")
            else f"{project.pk}:{request.headers.get('Idempotency-Key') or body_digest_id(body)}"
        ),
        event=generic.event_of(payload),
        action="",
        project=project,
        body=body,
        headers=kept_headers(request),
    )


@csrf_exempt
@require_POST
def webhook(request: HttpRequest, project: str) -> JsonResponse:
    return receive(request, Source.GENERIC, verify, project)
