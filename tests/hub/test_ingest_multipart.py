"""POST /api/v1/reports as multipart/form-data (curl from any CI) and POST /api/v1/artifacts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from hub.runs.models import Artifact, Run, TestResult, Upload

pytestmark = pytest.mark.django_db

JUNIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="pytest" tests="3" failures="1">
  <testcase classname="tests.test_a" name="test_ok" time="0.01"/>
  <testcase classname="tests.test_a" name="test_fails" time="0.02">
    <failure message="boom">trace</failure>
  </testcase>
  <testcase classname="tests.test_a" name="test_skip"><skipped/></testcase>
</testsuite>
"""
OTHER = b"""<testsuites><testsuite name="s">
<testcase classname="tests.test_b" name="test_b"/></testsuite></testsuites>"""


def xml(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/xml")


def fields(**extra) -> dict:
    return {"run_id": "555", "attempt": "1", "branch": "main", "commit_sha": "c" * 40, "job": "unit", **extra}


def test_junit_files_with_run_fields_land_in_one_run(agent):
    response = agent.post_multipart({**fields(), "junit": [xml("a.xml", JUNIT), xml("b.xml", OTHER)]})
    assert response.status_code == 201, response.content
    run = Run.objects.get()
    assert (run.provider_run_id, run.branch, run.tests, run.failed, run.skipped) == ("555", "main", 4, 1, 1)
    assert [f["path"] for f in response.json()["files"]] == ["a.xml", "b.xml"]


def test_one_bad_file_is_named_with_its_reason_and_the_others_land(agent):
    response = agent.post_multipart(
        {**fields(), "junit": [xml("good.xml", JUNIT), xml("broken.xml", b"<testsuite><testc")]}
    )
    assert response.status_code == 201, response.content
    files = {f["path"]: f for f in response.json()["files"]}
    assert files["good.xml"]["error"] is None
    assert files["broken.xml"]["error"].startswith("broken.xml")
    assert TestResult.objects.count() == 3
    assert Upload.objects.get().files == response.json()["files"]


def test_when_every_file_is_bad_nothing_is_written_and_each_is_named(agent):
    response = agent.post_multipart({**fields(), "junit": [xml("x.xml", b"not xml"), xml("y.xml", b"")]})
    assert response.status_code == 422
    message = response.json()["error"]["message"]
    assert "x.xml" in message
    assert "y.xml" in message
    assert Run.objects.count() == 0


def test_a_bad_form_field_gets_422_naming_it(agent):
    response = agent.post_multipart({**fields(attempt="first"), "junit": [xml("a.xml", JUNIT)]})
    assert response.status_code == 422
    assert "attempt" in response.json()["error"]["message"]


def test_an_unknown_form_field_gets_422_naming_it(agent):
    response = agent.post_multipart({**fields(colour="blue"), "junit": [xml("a.xml", JUNIT)]})
    assert response.status_code == 422
    assert "colour" in response.json()["error"]["message"]


def test_the_same_multipart_upload_twice_lands_once(agent):
    first = agent.post_multipart({**fields(), "junit": [xml("a.xml", JUNIT)]})
    second = agent.post_multipart({**fields(), "junit": [xml("a.xml", JUNIT)]})
    assert second.json() == first.json()
    assert TestResult.objects.count() == 3


def test_a_multipart_report_can_carry_artifacts(agent):
    response = agent.post_multipart(
        {**fields(), "junit": [xml("a.xml", JUNIT)], "artifact": [SimpleUploadedFile("log.txt", b"hello")]}
    )
    assert response.status_code == 201, response.content
    artifact = Artifact.objects.get()
    assert (artifact.name, artifact.size, artifact.sha256) == (
        "log.txt",
        5,
        hashlib.sha256(b"hello").hexdigest(),
    )


def post_artifact(agent, content: bytes, sha256: str | None = None, **extra):
    data = {
        "run_id": "555",
        "job_name": "unit",
        "file": SimpleUploadedFile("out.bin", content),
        "sha256": sha256 or hashlib.sha256(content).hexdigest(),
        **extra,
    }
    return agent.client.post("/api/v1/artifacts", data, format="multipart", **agent.headers())


def test_an_artifact_is_stored_through_the_storage_api_with_size_and_sha256(agent, settings):
    response = post_artifact(agent, b"\x00" * 1000, name="coverage.bin")
    assert response.status_code == 201, response.content
    artifact = Artifact.objects.get()
    assert (artifact.name, artifact.size, artifact.run.provider_run_id) == ("coverage.bin", 1000, "555")
    assert Path(settings.MEDIA_ROOT, artifact.file.name).read_bytes() == b"\x00" * 1000
    assert artifact.file.name.endswith(artifact.sha256)


def test_an_artifact_that_does_not_match_its_sha256_is_refused(agent):
    response = post_artifact(agent, b"abc", sha256="0" * 64)
    assert response.status_code == 422
    assert "SHA-256" in response.json()["error"]["message"]
    assert Artifact.objects.count() == 0


def test_an_artifact_over_the_limit_gets_413_naming_the_limit(agent):
    with override_settings(ARTIFACT_MAX_BYTES=1024):
        response = post_artifact(agent, b"x" * 5000)
    assert response.status_code == 413
    assert "ARTIFACT_MAX_BYTES" in response.json()["error"]["message"]


def test_the_same_artifact_uploaded_twice_is_stored_once(agent):
    first = post_artifact(agent, b"same")
    second = post_artifact(agent, b"same")
    assert first.json() == second.json()
    assert Artifact.objects.count() == 1


def test_an_artifact_without_its_sha256_is_refused(agent):
    data = {"run_id": "555", "file": SimpleUploadedFile("out.bin", b"x")}
    response = agent.client.post("/api/v1/artifacts", data, format="multipart", **agent.headers())
    assert response.status_code == 400
    assert "sha256" in response.json()["error"]["message"]
