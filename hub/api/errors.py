"""One error shape for the whole API: ``{"error": {"code", "message", "details"?}}``.

DRF's exceptions get it through ``exception_handler``; what Django answers before any view runs (a URL that
matches no route, a crash) gets it through ``not_found`` and ``server_error`` (``hub.urls`` installs them)
for API and webhook paths and for clients that ask for JSON; people's browsers keep Django's HTML pages.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler as drf_exception_handler

JSON_PATHS = ("/api/", "/webhooks/")


def error_body(code: str, message: str, details=None) -> dict:
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def exception_handler(exc, context):
    # DRF maps Django's own exceptions internally; map them here too so they get our shape.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)  # its message says what to do, as DRF's own does
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body("invalid", "The request is not valid.", exc.detail)
    elif isinstance(exc, exceptions.APIException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        response.data = error_body(exc.default_code if hasattr(exc, "default_code") else "error", detail)
    return response


def wants_json(request: HttpRequest) -> bool:
    """An API or webhook path, or a client that prefers JSON to HTML (the agent, scripts, fetch())."""
    if request.path.startswith(JSON_PATHS):
        return True
    accept = request.headers.get("Accept", "")
    return "json" in accept and "text/html" not in accept


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        message = "Nothing is at this URL: see /api/schema/ for the API's paths."
        return JsonResponse(error_body("not_found", message), status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        message = "The hub failed to answer this request; its log says why."
        return JsonResponse(error_body("server_error", message), status=500)
    return defaults.server_error(request)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, throttled, ...")
    message = serializers.CharField(help_text="One line for people, saying what to do.")
    details = serializers.JSONField(required=False, help_text="Per field or parameter, when there are any.")


class ErrorSerializer(serializers.Serializer):
    """Documents the error shape in the schema; answers are built by ``error_body``."""

    error = ErrorDetailSerializer()
