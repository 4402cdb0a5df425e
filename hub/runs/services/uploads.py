"""Multipart uploads: files streamed to temporary files, bounded in size, hashed on the way.

Django's handlers would hold small files in memory and know no per-field limits; this handler always
spools to disk, refuses a file past its limit (reports and artifacts have their own), and keeps the
SHA-256 so an artifact can be checked against the digest the client declared without a second read.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from hub.runs.services.errors import PayloadTooLarge, human_size

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
