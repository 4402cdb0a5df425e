"""``GET /healthz``: 200 when the database and the task broker answer, 503 (with which one) when not."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

log = logging.getLogger(__name__)


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        log.warning("health: database unavailable: %s", exc)
        return f"unavailable: {type(exc).__name__}"
    return "ok"


def broker_status() -> str:
    """The ORM broker is the database itself; Redis is pinged with a short timeout."""
    if not settings.REDIS_URL:
        return "ok (orm)"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
    except Exception as exc:
        log.warning("health: redis unavailable: %s", exc)
        return f"unavailable: {type(exc).__name__}"
    return "ok (redis)"


@never_cache
@require_GET
def healthz(request):
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value.startswith("ok") for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )
