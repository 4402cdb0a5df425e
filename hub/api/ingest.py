"""The agent's endpoints: ``POST /api/v1/reports`` and ``POST /api/v1/artifacts``.

Thin on purpose: authenticate the project's agent token (or a CI's OIDC token, bound to its run), pick
the body reader for the content type, and hand over to ``hub.runs.services``. The body is read from the
socket by the services themselves, within the hub's own limits, so no parser here touches it first.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from hub.api.authentication import AgentPrincipal, AgentTokenAuthentication, OidcAuthentication, OidcPrincipal
from hub.api.errors import error_body
from hub.api.upload_schema import artifact_form, report_document, report_form
from hub.oidc.binding import check_run, check_stored_run
from hub.runs.services import documents, multipart
from hub.runs.services.artifacts import store_artifact
from hub.runs.services.body import check_declared_length, request_body, spool_body
from hub.runs.services.checkpoint import checkpoint_in_background
from hub.runs.services.errors import (
    IngestError,
    MalformedBody,
    UnsupportedMediaType,
)
from hub.runs.services.header import Header
from hub.runs.services.ingest import ensure_run_and_job, find_replay, ingest
from hub.runs.services.uploads import read_form

MAX_IDEMPOTENCY_KEY = 200


class IsAgent(permissions.BasePermission):
    message = "This endpoint takes a project's agent token: Authorization: Bearer orch_a_..."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, AgentPrincipal)


class AgentUploadView(APIView):
    authentication_classes = [OidcAuthentication, AgentTokenAuthentication]
    permission_classes = [IsAgent]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "uploads"
    parser_classes: list = []  # the services read the body themselves, within the hub's limits

    def handle_exception(self, exc):
        if isinstance(exc, IngestError):
            return Response(error_body(exc.code, exc.message, exc.details), status=exc.status)
        return super().handle_exception(exc)

    @staticmethod
    def bound(request, header: Header) -> Header:
        """An upload with an OIDC token may only write to the run the token was issued for (403)."""
        if isinstance(request.user, OidcPrincipal):
            check_run(request.user.identity, header.run)
        return header


REPORT_RESPONSES = {
    201: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Stored (or replayed: header Idempotent-Replayed)."
    ),
    400: OpenApiResponse(OpenApiTypes.OBJECT, description="Malformed JSON, XML or gzip."),
    401: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Missing, invalid or revoked agent token, or an OIDC token that fails a check (named).",
    ),
    403: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="The report names another project, or another run than its OIDC token.",
    ),
    413: OpenApiResponse(OpenApiTypes.OBJECT, description="Larger than the limit the message names."),
    415: OpenApiResponse(
        OpenApiTypes.OBJECT, description="Neither JSON nor multipart, or an unknown encoding."
    ),
    422: OpenApiResponse(OpenApiTypes.OBJECT, description="Valid JSON that breaks the report schema."),
}


class ReportUploadView(AgentUploadView):
    @extend_schema(
        operation_id="upload_report",
        summary="Upload a test report (the agent's upload)",
        description=(
            "A version-1 report document (`application/json`, optionally gzip-compressed with "
            "`Content-Encoding: gzip`; docs/report-format.md), or `multipart/form-data` with raw report "
            "files and run fields. "
            "Idempotent: the same `Idempotency-Key`, or the same content for the same job, answers as the "
            "first upload did and writes nothing."
        ),
        request={"application/json": report_document(), "multipart/form-data": report_form()},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY},
                OpenApiParameter.HEADER,
                required=False,
            ),
        ],
        responses=REPORT_RESPONSES,
        tags=["ingest"],
    )
    def post(self, request):
        project = request.user.project
        key = (request.META.get("HTTP_IDEMPOTENCY_KEY") or "").strip() or None
        if key and (len(key) > MAX_IDEMPOTENCY_KEY or not (key.isascii() and key.isprintable())):
            raise MalformedBody(
                f"Idempotency-Key must be printable ASCII of at most {MAX_IDEMPOTENCY_KEY} characters."
            )
        content_type = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type == "application/json":
            receipt = self._ingest_json(request, project, key)
        elif content_type == "multipart/form-data":
            receipt = self._ingest_multipart(request, project, key)
        else:
            raise UnsupportedMediaType(
                f"Content-Type {content_type or '(none)'!r} is not accepted: send application/json "
                "(the agent's report document) or multipart/form-data (report files)."
            )
        response = Response(receipt.body(), status=201)
        if receipt.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    @staticmethod
    def replay(request, project, key, content_sha256):
        """The first answer to a retry, found before parsing the body; an OIDC token reads its run's only."""

        def may_read(upload) -> None:
            if isinstance(request.user, OidcPrincipal):
                check_stored_run(request.user.identity, upload.run)

        return find_replay(project, key, content_sha256, may_read)

    def _ingest_json(self, request, project, key):
        check_declared_length(request._request, settings.REPORT_MAX_BYTES, "REPORT_MAX_BYTES")
        spool = spool_body(
            request_body(request._request),
            encoding=request.META.get("HTTP_CONTENT_ENCODING", ""),
            max_bytes=settings.REPORT_MAX_BYTES,
            max_decompressed=settings.REPORT_MAX_DECOMPRESSED_BYTES,
        )
        try:
            replay = self.replay(request, project, key, spool.sha256)
            if replay is not None:
                return replay
            found = documents.read_header(spool.file)
            header = self.bound(request, Header.from_document(project, found.header))
            cases = iter(())
            if found.has_cases:
                cases = documents.iter_case_batches(spool.file, depth_checked=found.depth_checked)
            with checkpoint_in_background(spool.size):
                return ingest(project, header, cases, content_sha256=spool.sha256, idempotency_key=key)
        finally:
            spool.close()

    def _ingest_multipart(self, request, project, key):
        if request.META.get("HTTP_CONTENT_ENCODING", "identity") not in ("", "identity"):
            raise UnsupportedMediaType(
                "Send multipart uploads without Content-Encoding; gzip the JSON form only."
            )
        with read_form(request._request) as (fields, files):
            digest = multipart.content_digest(fields, files)
            replay = self.replay(request, project, key, digest)
            if replay is not None:
                return replay
            records, good, coverage = multipart.read_files(files)
            header = self.bound(
                request, Header.from_document(project, multipart.header_document(fields, records, coverage))
            )
            with transaction.atomic():
                receipt = ingest(
                    project,
                    header,
                    multipart.iter_case_batches(good),
                    content_sha256=digest,
                    idempotency_key=key,
                    source="multipart",
                )
                for uploaded in files.getlist("artifact"):
                    store_artifact(
                        receipt.upload.run,
                        receipt.upload.job,
                        uploaded,
                        name=uploaded.name,
                        declared_sha256=None,
                    )
            return receipt


class ArtifactUploadView(AgentUploadView):
    @extend_schema(
        operation_id="upload_artifact",
        summary="Upload an artifact for a run",
        description=(
            "`multipart/form-data` with the file in `file`, its `sha256` (hex; checked), an optional `name`, "
            "and the run fields (`run_id`, `attempt`, `provider`, `repository`, `job_name`, ...)."
        ),
        request={"multipart/form-data": artifact_form()},
        responses={
            201: OpenApiResponse(OpenApiTypes.OBJECT),
            **{k: v for k, v in REPORT_RESPONSES.items() if k != 201},
        },
        tags=["ingest"],
    )
    def post(self, request):
        project = request.user.project
        content_type = (request.META.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
        if content_type != "multipart/form-data":
            raise UnsupportedMediaType(
                "Send artifacts as multipart/form-data with the file in the `file` field."
            )
        with read_form(request._request, artifact_fields={"file"}) as (fields, files):
            uploaded = files.get("file")
            if uploaded is None:
                raise MalformedBody("The upload has no `file` field.")
            fields = fields.copy()
            declared = fields.pop("sha256", [None])[0]
            name = fields.pop("name", [None])[0]
            if not declared:
                raise MalformedBody("The `sha256` field (hex digest of the file) is required.")
            header = self.bound(
                request, Header.from_document(project, multipart.header_document(fields, [], None))
            )
            with transaction.atomic():
                run, job = ensure_run_and_job(project, header)
                artifact = store_artifact(run, job, uploaded, name=name, declared_sha256=declared)
        return Response(
            {
                "id": artifact.pk,
                "name": artifact.name,
                "size": artifact.size,
                "sha256": artifact.sha256,
                "run": {"id": run.pk},
                "job": {"id": job.pk if job else None},
            },
            status=201,
        )
