"""Operators' actions through the API: ``POST /api/v1/projects/{id}/trigger``,
``POST /api/v1/runs/{id}/rerun`` and ``POST /api/v1/runs/{id}/cancel``.

Owners and members of the project with a read-write token (or a session) may act; a read-only member or
a read-only token gets 403, and a project or run of another team 404, as everywhere in the API. Each
request is sent through ``hub.operations.services.actions`` and recorded; the answer is that record. The
provider's refusal comes back with its message and what to do next: 409 when the project has no provider
token, 422 when the CI has no such operation, 502 for any other error at the provider.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import error_body
from hub.api.permissions import require_operator
from hub.api.serializers_operations import ActionSerializer, RerunSerializer, TriggerSerializer
from hub.api.viewsets.base import ReadApiMixin, ReadRateThrottle
from hub.operations.models import Action, ActionOutcome, ActionVia
from hub.operations.services import actions
from hub.projects.models import Project
from hub.projects.services import visible
from hub.runs.models import Job, Run

ERROR_STATUS = {
    "ClientUnavailable": (status.HTTP_409_CONFLICT, "provider_not_configured"),
    "UnsupportedOperation": (status.HTTP_422_UNPROCESSABLE_ENTITY, "unsupported"),
}
PROVIDER_FAILED = (status.HTTP_502_BAD_GATEWAY, "provider_error")

RESPONSES = {
    202: ActionSerializer,
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="The request is not valid."),
    409: OpenApiResponse(OpenApiTypes.OBJECT, description="The project has no provider API token."),
    422: OpenApiResponse(OpenApiTypes.OBJECT, description="The CI has no such operation."),
    502: OpenApiResponse(OpenApiTypes.OBJECT, description="The provider refused or failed; see the hint."),
}


class OperationsRateThrottle(ReadRateThrottle):
    """A per-user budget for actions (scope ``operations``; the ``user`` rate when it is not set)."""

    scope = "operations"


class OperationView(ReadApiMixin, APIView):
    throttle_classes = (OperationsRateThrottle,)
    throttle_scope = "operations"

    def answer(self, action: Action) -> Response:
        data = ActionSerializer(action).data
        if action.outcome == ActionOutcome.SUCCEEDED:
            return Response(data, status=status.HTTP_202_ACCEPTED)
        code, name = ERROR_STATUS.get(action.error_type, PROVIDER_FAILED)
        details = {"hint": action.hint, "provider_status": action.provider_status, "action": data}
        return Response(error_body(name, action.message, details), status=code)

    def handle_exception(self, exc):
        if isinstance(exc, actions.ActionRefused):
            body = error_body("invalid", exc.message, {"hint": exc.hint} if exc.hint else None)
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return super().handle_exception(exc)

    def visible_run(self, run_id: int) -> Run:
        """The run, if the caller sees it (else 404) and may act on it (else 403)."""
        run = get_object_or_404(visible(Run.objects.select_related("project"), self.request.user), pk=run_id)
        require_operator(run.project, self.request.user, "re-run or cancel its runs")
        return run


class TriggerView(OperationView):
    @extend_schema(
        tags=["operations"],
        operation_id="projects_trigger",
        summary="Trigger a workflow (pipeline) of a project at its CI",
        request=TriggerSerializer,
        responses=RESPONSES,
    )
    def post(self, request, project_id: int):
        project = get_object_or_404(
            visible(Project.objects.all(), request.user, project_path=""), pk=project_id
        )
        require_operator(project, request.user, "trigger its workflows")
        data = TriggerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        action = actions.trigger(
            project,
            workflow=data.validated_data["workflow"],
            ref=data.validated_data.get("ref") or project.default_branch,
            inputs=data.validated_data["inputs"],
            user=request.user,
            via=ActionVia.API,
        )
        return self.answer(action)


class RerunView(OperationView):
    @extend_schema(
        tags=["operations"],
        operation_id="runs_rerun",
        summary="Re-run a run: every job, its failed jobs (failed_only) or one job",
        request=RerunSerializer,
        responses=RESPONSES,
    )
    def post(self, request, run_id: int):
        run = self.visible_run(run_id)
        data = RerunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = None
        if data.validated_data.get("job") is not None:
            job = get_object_or_404(Job, run=run, pk=data.validated_data["job"])
        action = actions.rerun(
            run,
            failed_only=data.validated_data["failed_only"],
            job=job,
            user=request.user,
            via=ActionVia.API,
        )
        return self.answer(action)


class CancelView(OperationView):
    @extend_schema(
        tags=["operations"],
        operation_id="runs_cancel",
        summary="Cancel a run at its CI",
        request=None,
        responses=RESPONSES,
    )
    def post(self, request, run_id: int):
        run = self.visible_run(run_id)
        return self.answer(actions.cancel(run, user=request.user, via=ActionVia.API))
