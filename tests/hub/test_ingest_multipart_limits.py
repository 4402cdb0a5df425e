"""A multipart upload past one of its limits gets a JSON error naming the limit, and nothing is written."""

from __future__ import annotations

import pytest

from hub.runs.models import Artifact, Run
from tests.hub.test_ingest_multipart import JUNIT, fields, post_artifact, xml

pytestmark = pytest.mark.django_db


def refused(response, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert Run.objects.count() == 0
    return response.json()["error"]["message"]


def test_more_files_than_the_limit_get_413_naming_it(agent, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 3
    reports = [xml(f"r{i}.xml", JUNIT) for i in range(4)]
    message = refused(agent.post_multipart({**fields(), "junit": reports}), 413)
    assert message.startswith("The upload has more than 3 files, the limit (MULTIPART_MAX_FILES)")


def test_a_body_over_the_total_limit_gets_413_naming_it_whatever_each_file_is(agent, settings):
    settings.MULTIPART_MAX_BYTES = 4096
    reports = [xml(f"r{i}.xml", JUNIT) for i in range(10)]  # each far under REPORT_MAX_BYTES
    message = refused(agent.post_multipart({**fields(), "junit": reports}), 413)
    assert "limit of 4 KiB (MULTIPART_MAX_BYTES)" in message


def test_an_artifact_upload_is_bounded_by_the_total_limit_too(agent, settings):
    settings.MULTIPART_MAX_BYTES = 4096
    message = refused(post_artifact(agent, b"x" * 5000), 413)
    assert "MULTIPART_MAX_BYTES" in message
    assert Artifact.objects.count() == 0


def test_more_form_fields_than_the_limit_get_413_naming_it(agent, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    data = {**fields(), "junit": [xml("a.xml", JUNIT)], "extra": [str(i) for i in range(10)]}
    assert "more than 5 form fields" in refused(agent.post_multipart(data), 413)


def test_text_fields_over_djangos_memory_limit_get_413_naming_it(agent, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    data = {**fields(workflow="w" * 2000), "junit": [xml("a.xml", JUNIT)]}
    assert "text fields are larger than the limit of 1 KiB" in refused(agent.post_multipart(data), 413)


def test_a_multipart_body_without_a_boundary_gets_400(agent):
    response = agent.client.generic(
        "POST", "/api/v1/reports", b"--x\r\n", content_type="multipart/form-data", **agent.headers()
    )
    assert "multipart body cannot be read" in refused(response, 400)
