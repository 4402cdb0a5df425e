"""Flaky tests and the quarantine list: ``/api/v1/flaky``, ``/api/v1/tests/{id}/health/``,
``/api/v1/quarantine`` and ``/api/v1/tests/{id}/mark-fixed``.

Reads come from the verdict rows detection keeps (``TestHealth``), never from results. Changes go through
``hub.flaky.services.quarantine``, which records who made them; read-only members may not make them. The
quarantine list also answers the project's agent token (or the CI's OIDC token standing in for it),
read-only, so ``orchestrate report --fail-on unquarantined`` can fetch it; its answer carries an ETag, so
an unchanged list costs a 304.
"""

from __future__ import annotations

import hashlib
import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.authentication import AGENT_READ_AUTHENTICATION, AgentPrincipal
from hub.api.errors import error_body
from hub.api.pagination import DefaultCursorPagination
from hub.api.permissions import require_operator
from hub.api.serializers_flaky import (
    FlakyTestSerializer,
    QuarantineEntrySerializer,
    QuarantineListSerializer,
    QuarantineRequestSerializer,
    ReasonSerializer,
    TestHealthSerializer,
)
from hub.api.viewsets.base import ReadApiMixin
from hub.flaky.models import QuarantineEntry, TestHealth, TestState
from hub.flaky.services import quarantine as quarantine_service
from hub.projects.models import Project
from hub.projects.services import visible
from hub.runs.models import Test

DEFAULT_STATES = (TestState.FLAKY, TestState.BROKEN, TestState.SUSPECTED, TestState.QUARANTINED)
MAX_QUARANTINE_ENTRIES = 10_000  # far above any real list; keeps one answer bounded

# Surrounding spaces are ignored, so a name of spaces alone is a missing name.
PROJECT_NAME = {"type": "string", "pattern": r"\S"}
PROJECT_PARAMETER = OpenApiParameter(
    "project", PROJECT_NAME, OpenApiParameter.QUERY, required=True, description="The project's OWNER/NAME."
)


def requested_project(request) -> Project:
    """The project named by ``?project=OWNER/NAME`` that the caller may see; an agent token's own project
    when it names none. Another team's project answers 404, like one that does not exist."""
    name = (request.query_params.get("project") or "").strip()
    if isinstance(request.user, AgentPrincipal):
        project = request.user.project
        if name and name != project.full_name:
            raise exceptions.PermissionDenied(
                f"This agent token belongs to {project.full_name}, not {name}: use that project's token."
            )
        return project
    if not name:
        raise exceptions.ValidationError({"project": ["Required: the project's OWNER/NAME."]})
    return get_object_or_404(visible(Project.objects.all(), request.user, project_path=""), full_name=name)


def visible_test(request, test_id: int) -> Test:
    return get_object_or_404(visible(Test.objects.select_related("project"), request.user), pk=test_id)


def test_to_change(request, test_id: int) -> Test:
    """The test, if the caller sees it (else 404) and may change its quarantine state (else 403)."""
    test = visible_test(request, test_id)
    require_operator(test.project, request.user, "change its quarantine list")
    return test


class AgentReadsOnly(permissions.BasePermission):
    """An agent token may read the quarantine list; changing it is for people."""

    message = "An agent token can read the quarantine list but not change it; use an API token."

    def has_permission(self, request, view) -> bool:
        return not isinstance(request.user, AgentPrincipal) or request.method in permissions.SAFE_METHODS


class ImpactPagination(DefaultCursorPagination):
    """Most runs affected first, then most CI time lost; the test id keeps the order total."""

    ordering = ("-runs_affected", "-time_lost", "-test_id")


class QuarantineErrorMixin:
    def handle_exception(self, exc):
        if isinstance(exc, quarantine_service.QuarantineError):
            return Response(error_body("conflict", str(exc)), status=status.HTTP_409_CONFLICT)
        return super().handle_exception(exc)


@extend_schema(
    tags=["flaky"],
    summary="Flaky, broken, suspected and quarantined tests of a project, by impact",
    description=(
        "Each test's verdict with its score, confidence interval, evidence, onset and impact, most runs "
        "affected first. `state` filters (repeat it or separate with commas); by default flaky, broken, "
        "suspected and quarantined tests are listed."
    ),
    parameters=[
        PROJECT_PARAMETER,
        OpenApiParameter(
            "state",
            str,
            OpenApiParameter.QUERY,
            required=False,
            description="One or more of: " + ", ".join(TestState.values),
        ),
    ],
)
class FlakyTestListView(ReadApiMixin, generics.ListAPIView):
    serializer_class = FlakyTestSerializer
    pagination_class = ImpactPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TestHealth.objects.none()
        project = requested_project(self.request)
        healths = TestHealth.objects.filter(project=project, state__in=self._states())
        return quarantine_service.with_active_quarantine(healths.select_related("test"))

    def _states(self) -> list[str]:
        raw = [
            part.strip() for value in self.request.query_params.getlist("state") for part in value.split(",")
        ]
        states = [state for state in raw if state]
        unknown = sorted(set(states) - set(TestState.values))
        if unknown:
            raise exceptions.ValidationError(
                {"state": [f"Unknown state {', '.join(unknown)}; use one of {', '.join(TestState.values)}."]}
            )
        return states or list(DEFAULT_STATES)


@extend_schema(tags=["flaky"], summary="A test's verdict, the signals behind it and its state changes")
class TestHealthView(ReadApiMixin, generics.RetrieveAPIView):
    """A test never judged answers as healthy with no evidence."""

    __test__ = False
    serializer_class = TestHealthSerializer

    def get_object(self) -> TestHealth:
        test = visible_test(self.request, self.kwargs["test_id"])
        health = quarantine_service.with_active_quarantine(
            TestHealth.objects.filter(test=test).select_related("test")
        ).first()
        return health or TestHealth(test=test, project_id=test.project_id)


class QuarantineView(QuarantineErrorMixin, ReadApiMixin, APIView):
    authentication_classes = AGENT_READ_AUTHENTICATION
    permission_classes = (*ReadApiMixin.permission_classes, AgentReadsOnly)

    @extend_schema(
        tags=["quarantine"],
        operation_id="quarantine_list",
        summary="A project's quarantine list (active entries)",
        description=(
            "Accepts a project's agent token as well as API tokens and sessions. Each entry carries the "
            "test's identity key, the digest the agent computes from a report. Sends an ETag; "
            "`If-None-Match` with it answers 304 when nothing changed."
        ),
        parameters=[
            OpenApiParameter(
                "project",
                PROJECT_NAME,
                OpenApiParameter.QUERY,
                required=True,
                description="The project's OWNER/NAME. An agent token may leave it out: its own project.",
            )
        ],
        responses={200: QuarantineListSerializer, 304: OpenApiResponse(description="Not modified.")},
    )
    def get(self, request):
        project = requested_project(request)
        entries = (
            QuarantineEntry.objects.active()
            .filter(project=project)
            .select_related("test", "created_by")
            .order_by("id")[:MAX_QUARANTINE_ENTRIES]
        )
        body = QuarantineListSerializer({"project": project.full_name, "entries": entries}).data
        etag = (
            '"'
            + hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()[:32]
            + '"'
        )
        headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, headers=headers)

    @extend_schema(
        tags=["quarantine"],
        operation_id="quarantine_add",
        summary="Quarantine a test",
        request=QuarantineRequestSerializer,
        responses={
            201: QuarantineEntrySerializer,
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="Already quarantined."),
        },
    )
    def post(self, request):
        data = QuarantineRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test = test_to_change(request, data.validated_data["test"])
        entry = quarantine_service.quarantine(
            test,
            reason=data.validated_data["reason"],
            owner=data.validated_data["owner"],
            expires_at=data.validated_data["expires_at"],
            user=request.user,
        )
        return Response(QuarantineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class QuarantineEntryView(QuarantineErrorMixin, ReadApiMixin, APIView):
    @extend_schema(
        tags=["quarantine"],
        operation_id="quarantine_remove",
        summary="Take a test off the quarantine list",
        description="The test goes back to the state it had before. `reason` may be given in the query.",
        parameters=[OpenApiParameter("reason", str, OpenApiParameter.QUERY, required=False)],
        request=None,
        responses={204: None, 409: OpenApiResponse(OpenApiTypes.OBJECT, description="Already removed.")},
    )
    def delete(self, request, entry_id: int):
        entry = get_object_or_404(
            visible(QuarantineEntry.objects.select_related("test", "project"), request.user), pk=entry_id
        )
        require_operator(entry.project, request.user, "change its quarantine list")
        reason = (request.query_params.get("reason") or "").strip() or "removed through the API"
        quarantine_service.unquarantine(entry, reason=reason[:2000], user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MarkFixedView(QuarantineErrorMixin, ReadApiMixin, APIView):
    @extend_schema(
        tags=["flaky"],
        operation_id="tests_mark_fixed",
        summary="Mark a test fixed",
        description="Closes its quarantine entry, if any, and sets its state to fixed; answers its verdict.",
        request=ReasonSerializer,
        responses={200: TestHealthSerializer},
    )
    def post(self, request, test_id: int):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        test = test_to_change(request, test_id)
        quarantine_service.mark_fixed(test, reason=data.validated_data["reason"], user=request.user)
        health = quarantine_service.with_active_quarantine(
            TestHealth.objects.filter(test=test).select_related("test")
        ).get()
        return Response(TestHealthSerializer(health).data)
