"""Answer 503 with ``Retry-After`` when the database cannot be reached, instead of Django's HTML 500 page.

A dropped connection, a server restarting or refusing connections, or a lock or statement timeout is a
moment's outage, not a bug: the agent retries a 503 after ``Retry-After`` seconds, and so do well-behaved
clients. API and webhook paths, and clients that ask for JSON, get the API's error shape; a person's
browser gets a short HTML page. Anything else keeps Django's handling (a 500 and a logged traceback).

``process_exception`` sees what a view raised, which is where nearly every query runs (authentication and
sessions are read lazily, inside the view). Django closes the broken connection when the request finishes
(``close_old_connections``), so the next request opens a fresh one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from hub.api.errors import error_body, wants_json

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 10  # a restart or fail-over; the agent gives up on waits over 120 s

MESSAGE = "The hub's database cannot be reached just now; retry after the seconds Retry-After gives."
HTML = (
    "<!doctype html><title>Service unavailable</title><h1>Service unavailable</h1>"
    "<p>The hub's database cannot be reached just now. Try again in a minute.</p>"
)


def database_unreachable(exc: BaseException) -> bool:
    """OperationalError and InterfaceError are what the backends raise for a lost or refused connection and
    for timeouts; integrity or programming errors are bugs and stay 500s."""
    return isinstance(exc, OperationalError | InterfaceError)


def unavailable_response(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        response: HttpResponse = JsonResponse(error_body("database_unavailable", MESSAGE), status=503)
    else:
        response = HttpResponse(HTML, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_unreachable(exception):
            return None
        log.error("database unavailable on %s %s: %s", request.method, request.path, exception)
        return unavailable_response(request)
