"""Multipart uploads: files streamed to temporary files, bounded in size and number, hashed on the way.

Django's handlers would hold small files in memory and know no per-field limits; this handler always
spools to disk, refuses a file past its limit (reports and artifacts have their own), and keeps the
SHA-256 so an artifact can be checked against the digest the client declared without a second read.
``read_form`` bounds the whole body (``MULTIPART_MAX_BYTES``), reads chunked bodies too, and turns
Django's refusals (too many files or fields, a malformed body), which would be bare HTML pages, into
errors that name their limit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http import HttpRequest, QueryDict
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.datastructures import MultiValueDict

from hub.runs.services.body import BoundedStream, check_declared_length, request_body
from hub.runs.services.errors import MalformedBody, PayloadTooLarge, human_size

ARTIFACT_FIELDS = frozenset({"artifact"})


class BoundedHashingUploadHandler(TemporaryFileUploadHandler):
    artifact_fields = ARTIFACT_FIELDS  # the artifacts endpoint widens this to its own file field

    def new_file(
        self, field_name, file_name, content_type, content_length, charset=None, content_type_extra=None
    ):
        super().new_file(field_name, file_name, content_type, content_length, charset, content_type_extra)
        artifact = field_name in self.artifact_fields
        self.limit = settings.ARTIFACT_MAX_BYTES if artifact else settings.REPORT_MAX_BYTES
        self.limit_name = "ARTIFACT_MAX_BYTES" if artifact else "REPORT_MAX_BYTES"
        self.received = 0
        self.digest = hashlib.sha256()

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.file.close()
            raise PayloadTooLarge(
                f"File {self.file_name!r} is larger than the limit of {human_size(self.limit)} "
                f"({self.limit_name})."
            )
        self.digest.update(raw_data)
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size):
        uploaded = super().file_complete(file_size)
        uploaded.sha256 = self.digest.hexdigest()
        return uploaded


@contextmanager
def read_form(
    request: HttpRequest, artifact_fields: Collection[str] = ARTIFACT_FIELDS
) -> Iterator[tuple[QueryDict, MultiValueDict]]:
    """The fields and files of a multipart body, within every limit; the files are closed (and their
    temporary files removed) on leaving."""
    limit = settings.MULTIPART_MAX_BYTES
    check_declared_length(request, limit, "MULTIPART_MAX_BYTES")
    declared = request.META.get("CONTENT_LENGTH") or ""
    handler = BoundedHashingUploadHandler(request)
    handler.artifact_fields = frozenset(artifact_fields)
    # Django's parser reads nothing when the length is 0 or missing (a chunked body); it uses the length
    # for nothing else here, and the stream is bounded by the limit.
    meta = {**request.META, "CONTENT_LENGTH": declared if declared.isdigit() else str(limit)}
    body = BoundedStream(request_body(request), limit, "MULTIPART_MAX_BYTES")
    try:
        fields, files = MultiPartParser(meta, body, [handler], request.encoding).parse()
    except TooManyFilesSent:
        raise PayloadTooLarge(
            f"The upload has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files, the limit "
            "(MULTIPART_MAX_FILES); split it into several uploads."
        ) from None
    except TooManyFieldsSent:
        raise PayloadTooLarge(
            f"The upload has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} form fields, the limit."
        ) from None
    except RequestDataTooBig:
        raise PayloadTooLarge(
            f"The upload's text fields are larger than the limit of "
            f"{human_size(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}; send reports as files."
        ) from None
    except MultiPartParserError as exc:
        raise MalformedBody(f"The multipart body cannot be read: {exc}") from None
    try:
        yield fields, files
    finally:
        for _, uploads in files.lists():
            for uploaded in uploads:
                uploaded.close()
