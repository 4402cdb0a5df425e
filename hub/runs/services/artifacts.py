"""Storing artifacts through Django's storage API, content-addressed and checked against their SHA-256."""

from __future__ import annotations

import hmac

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from hub.runs.models import Artifact, Job, Run, artifact_path
from hub.runs.services.errors import InvalidDocument
from hub.runs.services.storable import storable_text


def store_artifact(
    run: Run, job: Job | None, uploaded, *, name: str | None, declared_sha256: str | None
) -> Artifact:
    """Keep one uploaded file for a run. Uploading the same content under the same name again is a no-op."""
    actual = uploaded.sha256
    if declared_sha256 and not hmac.compare_digest(declared_sha256.strip().lower(), actual):
        raise InvalidDocument(
            f"Artifact {uploaded.name!r} arrived with SHA-256 {actual}, not the declared {declared_sha256}: "
            "the upload was damaged or the digest is wrong; send it again."
        )
    name = storable_text(name or uploaded.name or "artifact")[:1000]
    existing = Artifact.objects.filter(run=run, name=name, sha256=actual).first()
    if existing:
        return existing
    artifact = Artifact(
        project_id=run.project_id,
        run=run,
        job=job,
        name=name,
        size=uploaded.size,
        sha256=actual,
        content_type=storable_text(getattr(uploaded, "content_type", "") or "")[:200],
    )
    path = artifact_path(artifact, name)
    if not default_storage.exists(path):
        uploaded.seek(0)
        saved = default_storage.save(path, uploaded)
    else:
        saved = path
    artifact.file.name = saved
    try:
        with transaction.atomic():
            artifact.save()
    except IntegrityError:  # the same artifact landed concurrently
        return Artifact.objects.get(run=run, name=name, sha256=actual)
    return artifact
