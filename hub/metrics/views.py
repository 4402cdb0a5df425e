"""``GET /metrics``: the hub's figures for Prometheus, to a bearer of ``METRICS_TOKEN`` or an allowed IP.

The figures say how busy the hub is and how its queue keeps up; they are not secrets, but they are not
for everyone either, so with neither setting the endpoint answers 403 saying which to set.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from hub.api.authentication import bearer_token
from hub.metrics.exposition import registry

NOT_CONFIGURED = "/metrics is closed: set METRICS_TOKEN or METRICS_ALLOWED_IPS (docs/metrics.md)\n"
REFUSED = "send the METRICS_TOKEN as 'Authorization: Bearer <token>' or scrape from an allowed address\n"


def allowed_networks(entries: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``METRICS_ALLOWED_IPS`` as networks; a bad entry is named, since a typo would lock scrapers out."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"METRICS_ALLOWED_IPS: {entry!r} is not an address or network (e.g. 10.0.0.5 or 10.0.0.0/8)"
            ) from None
    return networks


def allowed(request: HttpRequest) -> bool | None:
    """True for the token's bearer or an allowed address, False otherwise, None when neither is set."""
    token, networks = settings.METRICS_TOKEN, allowed_networks(settings.METRICS_ALLOWED_IPS)
    if not token and not networks:
        return None
    given = bearer_token(request)
    if token and given and hmac.compare_digest(given.encode(), token.encode()):
        return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in networks)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    verdict = allowed(request)
    if not verdict:
        return HttpResponse(
            NOT_CONFIGURED if verdict is None else REFUSED, status=403, content_type="text/plain"
        )
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
