"""POST /api/v1/reports with the agent's JSON document: what lands, what is refused, and what a retry does."""

from __future__ import annotations

import gzip
import json
import zlib

import pytest
from django.test import override_settings

from hub.projects.models import AgentToken, ApiToken
from hub.runs.models import CoverageReport, Job, Run, Test, TestResult, Upload
from tests.hub.conftest import Agent, case, report

pytestmark = pytest.mark.django_db


def rows():
    return (
        Run.objects.count(),
        Job.objects.count(),
        Test.objects.count(),
        TestResult.objects.count(),
        Upload.objects.count(),
    )


def test_it_stores_every_case_as_a_result_and_keeps_counts_on_run_and_job(agent):
    response = agent.post_report(
        report(
            case("a"),
            case("b", "failed", message="boom", trace="t"),
            case("c", "error"),
            case("d", "skipped"),
        )
    )
    assert response.status_code == 201, response.content
    run = Run.objects.get()
    job = run.jobs.get()
    assert (run.tests, run.passed, run.failed, run.errors, run.skipped) == (4, 1, 1, 1, 1)
    assert (job.tests, job.failed) == (4, 1)
    failed = TestResult.objects.get(status="failed")
    assert (failed.message, failed.trace, failed.test.name) == ("boom", "t", "b")
    assert response.json()["results"] == 4


def test_it_records_the_run_context(agent):
    agent.post_report(
        report(
            case("a"),
            run_id="77",
            branch="feature/x",
            sha="B" * 40,
            pull_request=12,
            workflow="CI",
            event="pull_request",
            base_branch="main",
        )
    )
    run = Run.objects.get()
    assert (run.provider_run_id, run.branch, run.commit_sha, run.pull_request, run.workflow, run.event) == (
        "77",
        "feature/x",
        "b" * 40,
        12,
        "CI",
        "pull_request",
    )
    assert run.status == "in_progress"


def test_it_accepts_a_gzip_encoded_body(agent):
    response = agent.post_report(report(case("a"), case("b")), gzip_body=True)
    assert response.status_code == 201
    assert TestResult.objects.count() == 2


def test_it_reads_concatenated_gzip_members_as_one_body(agent):
    text = json.dumps(report(case("a"), case("b"))).encode()
    body = gzip.compress(text[:40]) + gzip.compress(text[40:])
    response = agent.client.generic(
        "POST",
        "/api/v1/reports",
        body,
        content_type="application/json",
        **agent.headers(HTTP_CONTENT_ENCODING="gzip"),
    )
    assert response.status_code == 201, response.content
    assert TestResult.objects.count() == 2


def test_it_keeps_reruns_as_separate_attempts_and_counts_the_test_once_as_flaky(agent):
    agent.post_report(
        report(
            case(
                "a",
                "passed",
                reruns=[{"status": "failed", "message": "first"}, {"status": "error", "message": "second"}],
            )
        )
    )
    results = list(
        TestResult.objects.order_by("attempt").values_list("attempt", "status", "final", "message")
    )
    assert results == [(1, "failed", False, "first"), (2, "error", False, "second"), (3, "passed", True, "")]
    run = Run.objects.get()
    assert (run.tests, run.passed, run.failed, run.flaky) == (1, 1, 0, 1)


def test_a_test_reported_twice_in_one_job_is_two_attempts_with_only_the_last_final(agent):
    agent.post_report(report(case("a", "failed"), case("b"), case("a", "passed")))
    attempts = list(
        TestResult.objects.filter(test__name="a")
        .order_by("attempt")
        .values_list("attempt", "status", "final")
    )
    assert attempts == [(1, "failed", False), (2, "passed", True)]
    run = Run.objects.get()
    assert (run.tests, run.passed, run.failed, run.flaky) == (2, 2, 0, 1)


def test_a_retried_upload_with_the_same_idempotency_key_writes_nothing_and_answers_the_same(agent):
    doc = report(case("a"), case("b", "failed"))
    first = agent.post_report(doc, key="job-123-attempt-1")
    before = rows()
    second = agent.post_report(doc, key="job-123-attempt-1", gzip_body=True)
    assert rows() == before
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second["Idempotent-Replayed"] == "true"


def test_the_same_content_for_the_same_job_is_stored_once_without_a_key(agent):
    doc = report(case("a"))
    first = agent.post_report(doc)
    before = rows()
    second = agent.post_report(doc)
    assert rows() == before
    assert second.json() == first.json()


def test_several_jobs_of_one_run_report_separately_and_meet_in_one_run(agent):
    agent.post_report(report(case("a"), job="test (3.11)"))
    agent.post_report(report(case("a"), case("b", "failed"), job="test (3.12)"))
    run = Run.objects.get()
    assert sorted(run.jobs.values_list("name", flat=True)) == ["test (3.11)", "test (3.12)"]
    assert (run.tests, run.failed) == (3, 1)


def test_a_rerun_of_a_run_is_a_new_attempt_kept_as_evidence(agent):
    agent.post_report(report(case("a", "failed"), run_id="9", attempt=1))
    agent.post_report(report(case("a", "passed"), run_id="9", attempt=2))
    assert list(Run.objects.order_by("attempt").values_list("provider_run_id", "attempt", "failed")) == [
        ("9", 1, 1),
        ("9", 2, 0),
    ]
    assert Test.objects.count() == 1


def test_a_tests_identity_is_stable_across_runs(agent):
    agent.post_report(report(case("a", file="tests/test_w.py"), run_id="1"))
    agent.post_report(report(case("a", file="tests/test_w.py"), run_id="2"))
    test = Test.objects.get()
    assert test.results.count() == 2
    assert (test.classname, test.name, test.file) == ("tests.test_widgets", "a", "tests/test_w.py")


def test_a_runs_state_only_moves_forward(agent):
    agent.post_report(report(case("a"), job="one", status="completed", conclusion="failure"))
    agent.post_report(report(case("b"), job="two", status="in_progress"))
    run = Run.objects.get()
    assert (run.status, run.conclusion) == ("completed", "failure")


def test_a_conclusion_completes_the_run(agent):
    agent.post_report(report(case("a"), conclusion="success", finished_at="2026-11-20T10:00:00Z"))
    run = Run.objects.get()
    assert (run.status, run.conclusion, run.finished_at.isoformat()) == (
        "completed",
        "success",
        "2026-11-20T10:00:00+00:00",
    )


def test_coverage_is_stored_with_its_files(agent):
    doc = report(case("a"))
    doc["coverage"] = {
        "format": "cobertura",
        "lines_covered": 80,
        "lines_valid": 100,
        "branches_covered": 5,
        "branches_valid": 10,
        "files": [{"path": "w.py", "lines_covered": 8, "lines_valid": 10}],
    }
    agent.post_report(doc)
    coverage = CoverageReport.objects.get()
    assert (coverage.line_rate, coverage.branch_rate, coverage.files.get().path) == (0.8, 0.5, "w.py")


def test_a_report_beyond_djangos_default_body_limit_is_accepted(agent):
    cases = [case(f"test_{i}", message="x" * 300) for i in range(10_000)]
    response = agent.post_report(report(*cases))
    assert response.status_code == 201
    assert Run.objects.get().tests == 10_000


def test_malformed_json_gets_400_naming_the_problem_and_writes_nothing(agent):
    response = agent.post_report(None, raw=b'{"version": 1, "run": {"run_id": "1"}, "cases": [{"name": ')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]
    assert rows() == (0, 0, 0, 0, 0)


def test_a_missing_field_gets_422_naming_it(agent):
    doc = report(case("a"))
    del doc["run"]["run_id"]
    response = agent.post_report(doc)
    assert response.status_code == 422
    assert "run_id" in response.json()["error"]["message"]


def test_a_wrong_type_gets_422_naming_the_field(agent):
    doc = report(case("a"))
    doc["run"]["attempt"] = "two"
    response = agent.post_report(doc)
    assert response.status_code == 422
    assert response.json()["error"]["message"] == "report.run.attempt must be integer"


def test_an_invalid_case_deep_in_a_report_writes_nothing(agent):
    cases = [case(f"t{i}") for i in range(12_000)] + [case("bad", status="exploded")]
    response = agent.post_report(report(*cases))
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("cases[12000].status must be one of")
    assert rows() == (0, 0, 0, 0, 0)


def test_an_unsupported_version_gets_422_saying_which_version_the_hub_reads(agent):
    doc = report(case("a"))
    doc["version"] = 2
    response = agent.post_report(doc)
    assert response.status_code == 422
    assert "reads version 1" in response.json()["error"]["message"]


def test_an_unknown_token_gets_401(project):
    response = Agent("orch_a_0123456789ab_not-a-real-secret").post_report(report(case("a")))
    assert response.status_code == 401


def test_a_revoked_token_gets_401(project):
    token, plain = AgentToken.issue(project=project)
    token.revoke()
    assert Agent(plain).post_report(report(case("a"))).status_code == 401


def test_a_missing_token_gets_401(project):
    response = Agent("").client.generic("POST", "/api/v1/reports", b"{}", content_type="application/json")
    assert response.status_code == 401


def test_a_users_api_token_cannot_upload(owner):
    _, plain = ApiToken.issue(user=owner, read_only=False)
    response = Agent(plain).post_report(report(case("a")))
    assert response.status_code == 401
    assert "agent token" in response.json()["error"]["message"]


def test_the_token_records_when_it_was_last_used(agent, project):
    agent.post_report(report(case("a")))
    assert AgentToken.objects.get(project=project).last_used_at is not None


def test_a_report_naming_another_repository_gets_403(agent):
    response = agent.post_report(report(case("a"), repository="globex/gadgets"))
    assert response.status_code == 403
    assert rows() == (0, 0, 0, 0, 0)


def test_a_body_over_the_limit_gets_413_naming_the_limit(agent):
    with override_settings(REPORT_MAX_BYTES=1024):
        response = agent.post_report(report(*[case(f"t{i}") for i in range(100)]))
    assert response.status_code == 413
    assert "limit of 1 KiB (REPORT_MAX_BYTES)" in response.json()["error"]["message"]


def test_a_gzip_bomb_gets_413_not_an_out_of_memory(agent):
    bomb = zlib.compressobj(9, zlib.DEFLATED, 31)
    body = bomb.compress(b"[" + b" " * (200 << 20)) + bomb.flush()  # 200 MiB of spaces, ~200 KB on the wire
    with override_settings(REPORT_MAX_DECOMPRESSED_BYTES=16 << 20):
        response = agent.client.generic(
            "POST",
            "/api/v1/reports",
            body,
            content_type="application/json",
            **agent.headers(HTTP_CONTENT_ENCODING="gzip"),
        )
    assert response.status_code == 413
    assert "REPORT_MAX_DECOMPRESSED_BYTES" in response.json()["error"]["message"]


def test_a_truncated_gzip_body_gets_400(agent):
    body = gzip.compress(json.dumps(report(case("a"))).encode())[:-12]
    response = agent.client.generic(
        "POST",
        "/api/v1/reports",
        body,
        content_type="application/json",
        **agent.headers(HTTP_CONTENT_ENCODING="gzip"),
    )
    assert response.status_code == 400
    assert "gzip" in response.json()["error"]["message"]


def test_an_unknown_content_type_gets_415(agent):
    response = agent.client.generic(
        "POST", "/api/v1/reports", b"<xml/>", content_type="text/xml", **agent.headers()
    )
    assert response.status_code == 415


def test_an_unknown_content_encoding_gets_415(agent):
    response = agent.client.generic(
        "POST",
        "/api/v1/reports",
        b"{}",
        content_type="application/json",
        **agent.headers(HTTP_CONTENT_ENCODING="br"),
    )
    assert response.status_code == 415


def test_a_run_is_dated_by_when_it_started_in_ci(agent):
    agent.post_report(report(case("a"), started_at="2026-11-01T08:30:00Z"))
    assert Run.objects.get().created_at.isoformat() == "2026-11-01T08:30:00+00:00"


def test_each_agent_token_has_its_own_upload_rate_limit(agent, project, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(
        ScopedRateThrottle, "THROTTLE_RATES", {**ScopedRateThrottle.THROTTLE_RATES, "uploads": "2/hour"}
    )
    _, other_token = AgentToken.issue(project=project)
    statuses = [agent.post_report(report(case("a"), run_id=str(n))).status_code for n in range(3)]
    assert statuses == [201, 201, 429]
    assert Agent(other_token).post_report(report(case("a"), run_id="9")).status_code == 201


def test_a_test_repeated_across_batches_is_merged_into_one_test_with_every_attempt(
    agent, settings, monkeypatch
):
    settings.INGEST_BATCH_SIZE = 100  # batches of the pull parser and of multipart uploads
    monkeypatch.setattr("hub.runs.services.documents.SLICE_BYTES", 2048)  # slices of this document
    cases = [
        case("flaky", "failed"),
        *[case(f"t{i}") for i in range(250)],
        case("flaky", "passed", reruns=[{"status": "error"}]),
        *[case(f"u{i}") for i in range(250)],
        case("flaky", "skipped"),
    ]
    agent.post_report(report(*cases))
    attempts = list(
        TestResult.objects.filter(test__name="flaky").order_by("id").values_list("attempt", "status", "final")
    )
    assert attempts == [(1, "failed", False), (2, "error", False), (3, "passed", False), (4, "skipped", True)]
    run = Run.objects.get()
    assert (run.tests, run.passed, run.failed, run.errors, run.skipped, run.flaky) == (501, 500, 0, 0, 1, 0)


def test_keys_after_cases_are_read_too(agent):
    doc = {
        "version": 1,
        "cases": [case("a")],
        "run": {"run_id": "5"},
        "job": {"name": "late"},
        "files": [{"path": "late.xml", "format": "junit"}],
    }
    response = agent.post_report(doc)
    assert response.status_code == 201, response.content
    assert Upload.objects.get().files == [{"path": "late.xml", "format": "junit"}]
    assert Job.objects.get().name == "late"
