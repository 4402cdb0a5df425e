"""The response engine through the API: ``GET|PUT /api/v1/projects/{id}/policy`` and the fix jobs,
``GET /api/v1/fix-jobs/`` (``?project=OWNER/NAME&state=dead``), ``GET /api/v1/fix-jobs/{id}/`` with its
timeline, effects and agent runs, ``POST /api/v1/fix-jobs/{id}/retry/``, ``/cancel/`` and ``/approve/`` (a
coding-agent hand-off; owners only).

Members read a project's policy and fix jobs, and may retry or cancel (as they may re-run a run;
read-only members may not); only its owners change the policy. A PUT takes JSON or YAML
(``Content-Type: application/yaml`` or ``text/yaml``); a document that is not valid answers 400 with one
error per bad key, each naming it.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from hub.api.errors import ErrorSerializer, error_body
from hub.api.permissions import require_operator, require_owner
from hub.api.serializers_response import FixJobDetailSerializer, FixJobSerializer, PolicySerializer
from hub.api.viewsets.base import ReadApiMixin, RecentRunsPagination
from hub.projects.models import Project
from hub.projects.services import visible
from hub.response.models import FixJob, FixState, Policy
from hub.response.policy import schema as policy_schema
from hub.response.policy import store
from hub.response.services import agent_runs, fix_jobs


class PolicyView(ReadApiMixin, APIView):
    parser_classes: list = []  # the body is read as JSON or YAML by the policy store

    def project(self) -> Project:
        projects = visible(Project.objects.all(), self.request.user, project_path="")
        return get_object_or_404(projects, pk=self.kwargs["project_id"])

    def answer(self, project: Project, code: int = status.HTTP_200_OK) -> Response:
        policy = Policy.objects.filter(project=project).select_related("updated_by").first()
        data = PolicySerializer.describe(project, policy, store.effective(project))
        return Response(PolicySerializer(data).data, status=code)

    @extend_schema(tags=["response"], summary="A project's response policy", responses=PolicySerializer)
    def get(self, request, project_id: int):
        return self.answer(self.project())

    @extend_schema(
        tags=["response"],
        summary="Replace a project's response policy (JSON or YAML; owners only)",
        description="The body is the policy as JSON (described here) or the same document as YAML with "
        "`Content-Type: application/yaml` (a text body no schema can describe; it is checked the same way). "
        "A bad key is a 400 whose `details.errors` names each one. See docs/policy.md.",
        request={"application/json": policy_schema.openapi()},
        responses=PolicySerializer,
    )
    def put(self, request, project_id: int):
        project = self.project()
        user = request.user
        require_owner(project, user, "change its policy")
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        try:
            text = request.body.decode("utf-8")
            store.save(project, store.parse(text, yaml_text=content_type in store.YAML_TYPES), user)
        except UnicodeDecodeError:
            return _invalid(["the policy must be UTF-8 text"])
        except store.PolicyInvalid as invalid:
            return _invalid(invalid.errors)
        return self.answer(project)


def _invalid(errors: list[str]) -> Response:
    body = error_body("invalid_policy", errors[0], {"errors": errors})
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


@extend_schema(tags=["response"])
class FixJobViewSet(ReadApiMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    pagination_class = RecentRunsPagination

    def get_queryset(self):
        jobs = visible(FixJob.objects.select_related("project"), self.request.user)
        project = self.request.query_params.get("project")
        if project:
            jobs = jobs.filter(project__full_name=project)
        state = self.request.query_params.get("state")
        if state:
            if state not in FixState.values:
                raise exceptions.ValidationError({"state": [f"Use one of {', '.join(FixState.values)}."]})
            jobs = jobs.filter(state=state)
        return jobs.prefetch_related("events", "effects", "agent_runs") if self.action != "list" else jobs

    def get_serializer_class(self):
        return FixJobSerializer if self.action == "list" else FixJobDetailSerializer

    @extend_schema(
        summary="Try a failed or dead fix job again (its attempts start over)",
        request=None,
        responses={
            200: FixJobDetailSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Neither failed nor dead."),
        },
    )
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        require_operator(self.get_object().project, request.user, "steer its fix jobs")
        return self._operate(fix_jobs.retry, "only a failed or dead fix job can be tried again")

    @extend_schema(
        summary="Cancel a fix job that has not finished (or failed, or died)",
        request=None,
        responses={
            200: FixJobDetailSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Running or finished."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        require_operator(self.get_object().project, request.user, "steer its fix jobs")
        return self._operate(fix_jobs.cancel, "a running or finished fix job cannot be cancelled")

    @extend_schema(
        summary="Approve a coding-agent hand-off that waits for approval (owners)",
        request=None,
        responses={
            200: FixJobDetailSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Not waiting."),
        },
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        require_owner(self.get_object().project, request.user, "approve a hand-off to its coding agent")
        return self._operate(agent_runs.approve, "only a hand-off awaiting approval can be approved")

    def _operate(self, operation, refusal: str) -> Response:
        job = self.get_object()
        if not operation(job, self.request.user.get_username()):
            job.refresh_from_db()
            body = error_body("conflict", f"fix job {job.pk} is {job.state}: {refusal}")
            return Response(body, status=status.HTTP_409_CONFLICT)
        job.refresh_from_db()
        return Response(FixJobDetailSerializer(job).data, status=status.HTTP_200_OK)
