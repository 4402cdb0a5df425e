"""A NUL character in what a client sends is stored as U+FFFD, the same on SQLite and PostgreSQL (whose text
and jsonb cannot hold NUL): in a report's strings, its header, multipart fields and artifact names. So is a
lone UTF-16 surrogate, which neither database can encode."""

from __future__ import annotations

import pytest

from hub.runs.models import Artifact, CoverageReport, Job, Run, Test, TestResult, Upload
from tests.hub.conftest import case, report
from tests.hub.test_ingest_multipart import JUNIT, fields, post_artifact, xml

pytestmark = pytest.mark.django_db

NUL = "\x00"


def test_nul_in_a_reports_strings_is_stored_as_the_replacement_character(agent):
    failing = case(f"test_{NUL}x", "failed", message=f"got {NUL} byte", trace=f"t{NUL}", stdout=f"o{NUL}")
    failing["reruns"] = [{"status": "failed", "message": f"r{NUL}"}]
    failing["properties"] = [[f"k{NUL}", f"v{NUL}"]]
    doc = report(failing, branch=f"main{NUL}", job=f"unit{NUL}")
    doc["files"] = [{"path": f"r{NUL}.xml", "format": "junit", "error": f"e{NUL}", "cases": 1}]
    doc["coverage"] = {
        "format": "lcov",
        "lines_covered": 1,
        "lines_valid": 2,
        "files": [{"path": f"a{NUL}.py", "lines_covered": 1, "lines_valid": 2}],
    }
    response = agent.post_report(doc)
    assert response.status_code == 201, response.content
    assert Test.objects.get().name == "test_\ufffdx"
    assert sorted(TestResult.objects.values_list("message", flat=True)) == ["got \ufffd byte", "r\ufffd"]
    assert TestResult.objects.get(final=True).trace == "t\ufffd"
    assert (Run.objects.get().branch, Job.objects.get().name) == ("main\ufffd", "unit\ufffd")
    assert Upload.objects.get().files[0]["error"] == "e\ufffd"
    assert CoverageReport.objects.get().files.get().path == "a\ufffd.py"


def test_nul_in_the_sliced_cases_is_replaced_as_in_the_pull_parsers(agent, monkeypatch):
    monkeypatch.setattr("hub.runs.services.documents.SLICE_BYTES", 256)
    cases = [case(f"t{i}{NUL}", "failed", message=f"m{NUL}") for i in range(30)]
    response = agent.post_report(report(*cases))
    assert response.status_code == 201, response.content
    assert set(TestResult.objects.values_list("message", flat=True)) == {"m\ufffd"}
    assert Test.objects.filter(name__endswith="\ufffd").count() == 30


def test_nul_in_multipart_fields_is_stored_as_the_replacement_character(agent):
    response = agent.post_multipart(
        {**fields(branch=f"b{NUL}", job=f"j{NUL}"), "junit": [xml("a.xml", JUNIT)]}
    )
    assert response.status_code == 201, response.content
    assert (Run.objects.get().branch, Job.objects.get().name) == ("b\ufffd", "j\ufffd")


def test_nul_in_an_artifacts_name_is_stored_as_the_replacement_character(agent):
    response = post_artifact(agent, b"log", name=f"log{NUL}.txt")
    assert response.status_code == 201, response.content
    assert Artifact.objects.get().name == "log\ufffd.txt"


def test_an_idempotency_key_with_a_control_character_gets_400_naming_the_rule(agent):
    response = agent.post_report(report(case("a")), key=f"k{NUL}1")
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["error"]["message"]
    assert Upload.objects.count() == 0


def test_nul_in_a_multipart_report_files_cases_is_stored_as_the_replacement_character(agent):
    mocha = (
        b'{"stats": {"suites": 1}, "tests": [{"title": "t\\u0000", "fullTitle": "s t\\u0000", "file": "a.js",'
    )
    mocha += b' "duration": 1, "err": {"message": "m\\u0000"}}], "pending": [], "failures": [], "passes": []}'
    response = agent.post_multipart({**fields(), "mocha": [xml("mocha.json", mocha)]})
    assert response.status_code == 201, response.content
    assert "\x00" not in Test.objects.get().name
    assert "\ufffd" in Test.objects.get().name
    assert TestResult.objects.get().message == "m\ufffd"


def test_a_lone_surrogate_in_a_multipart_report_files_cases_is_stored_as_the_replacement_character(agent):
    mocha = (
        b'{"stats": {"suites": 1}, "tests": [{"title": "t\\ud800", "fullTitle": "s t\\ud800", "file": "a.js",'
    )
    mocha += b' "duration": 1, "err": {"message": "m\\udfff"}}], "pending": [], "failures": [], "passes": []}'
    response = agent.post_multipart({**fields(), "mocha": [xml("mocha.json", mocha)]})
    assert response.status_code == 201, response.content
    assert Test.objects.get().name.endswith("t\ufffd")
    assert TestResult.objects.get().message == "m\ufffd"
