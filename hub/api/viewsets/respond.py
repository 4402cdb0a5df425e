"""``POST /api/v1/runs/{id}/respond``: ask the hub to respond to a completed run now, under its policy.

Only the project's owners may ask (members read the fix jobs, as they read the policy); a read-only token
gets 403 and another team's run 404, as everywhere in the API. The answer lists the run's fix jobs, those
already open included, so asking again is harmless: the pipeline keys its jobs once per run attempt.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import error_body
from hub.api.permissions import require_owner
from hub.api.serializers_response import FixJobSerializer
from hub.api.viewsets.base import ReadApiMixin
from hub.api.viewsets.operations import OperationsRateThrottle
from hub.operations.models import ActionVia
from hub.projects.services import visible
from hub.response.services import respond_now
from hub.runs.models import Run


class RespondedSerializer(serializers.Serializer):
    run = serializers.IntegerField(help_text="The run's id at the hub.")
    action = serializers.IntegerField(help_text="The audit row of this request.")
    message = serializers.CharField()
    opened = serializers.ListField(child=serializers.IntegerField(), help_text="Fix jobs opened now.")
    fix_jobs = FixJobSerializer(many=True, help_text="Every fix job of the run, newest first.")


class RespondView(ReadApiMixin, APIView):
    throttle_classes = (OperationsRateThrottle,)
    throttle_scope = "operations"

    @extend_schema(
        tags=["response"],
        operation_id="runs_respond",
        summary="Respond to a completed run now under its project's policy (owners only; idempotent)",
        request=None,
        responses={
            200: RespondedSerializer,
            403: OpenApiResponse(OpenApiTypes.OBJECT, description="Not an owner, or a read-only token."),
            409: OpenApiResponse(OpenApiTypes.OBJECT, description="The run has not completed."),
        },
    )
    def post(self, request, run_id: int):
        run = get_object_or_404(visible(Run.objects.select_related("project"), request.user), pk=run_id)
        require_owner(run.project, request.user, "ask the hub to respond to a run")
        try:
            done = respond_now.respond(run, user=request.user, via=ActionVia.API)
        except respond_now.NotCompleted as refusal:
            return Response(error_body("not_completed", str(refusal)), status=status.HTTP_409_CONFLICT)
        body = {
            "run": run.pk,
            "action": done.action.pk,
            "message": done.action.message,
            "opened": done.opened,
            "fix_jobs": done.fix_jobs,
        }
        return Response(RespondedSerializer(body).data, status=status.HTTP_200_OK)
