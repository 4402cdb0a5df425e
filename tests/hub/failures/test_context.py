"""A run's failure context (``hub.failures.services.context``): every failing test with its attempts,
analysis, flaky verdict, quarantine and reproduce command; the failed jobs' logs; bounded and redacted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hub.failures import context_budget as budget
from hub.failures.services.analysis import analyse_upload
from hub.failures.services.classification import classify_upload
from hub.failures.services.context import run_context
from hub.flaky.models import QuarantineEntry, TestHealth
from hub.flaky.models import TestState as State
from hub.operations.models import JobLog, LogState
from hub.runs.models import Run, Test
from tests.hub.conftest import case
from tests.hub.failures.conftest import BROKEN, PASSING, PR

pytestmark = pytest.mark.django_db


def analysed(upload):
    analyse_upload(upload.pk)
    classify_upload(upload.pk)
    return upload.run


def test_it_lists_each_failing_test_with_every_attempt_in_order(land):
    rerun = {"status": "failed", "message": "first try: timeout", "type": "TimeoutError", "trace": "t1"}
    run = land(
        case("test_pay", "failed", message="second try: boom", trace="t2", reruns=[rerun]), case("test_ok")
    ).run

    [failure] = run_context(run)["failures"]

    assert failure["test"]["name"] == "test_pay"
    assert [(a["attempt"], a["message"], a["trace"]) for a in failure["attempts"]] == [
        (1, "first try: timeout", "t1"),
        (2, "second try: boom", "t2"),
    ]
    assert failure["attempts_not_shown"] == 0


def test_it_gives_a_pull_requests_failure_its_category_cluster_and_classification(land):
    land(PASSING, run_id="main-1")
    run = analysed(land(BROKEN, **PR))

    [failure] = run_context(run)["failures"]

    assert (failure["category"], failure["classification"]) == ("assertion", "new")
    assert failure["cluster"]["occurrences"] == 1
    assert failure["cluster"]["normalised"] == "assert <n> == <n>"


def test_a_failure_not_analysed_yet_is_listed_without_category(land):
    run = land(BROKEN).run

    [failure] = run_context(run)["failures"]

    assert (failure["test"]["name"], failure["category"], failure["cluster"]) == ("test_checkout", None, None)


def test_new_failures_come_before_known_flaky_ones(land):
    land(PASSING, case("test_wobbly"), run_id="main-1")
    upload = land(case("test_wobbly", "failed", message="flake"), BROKEN, **PR)
    wobbly = Test.objects.get(name="test_wobbly")
    TestHealth.objects.create(test=wobbly, project=wobbly.project, state=State.FLAKY)
    run = analysed(upload)

    failures = run_context(run)["failures"]

    assert [(f["test"]["name"], f["classification"]) for f in failures] == [
        ("test_checkout", "new"),
        ("test_wobbly", "flaky"),
    ]


def test_it_carries_the_flaky_verdict_with_its_evidence_sentences(land):
    run = land(case("test_wobbly", "failed", message="flake")).run
    wobbly = Test.objects.get(name="test_wobbly")
    evidence = [{"signal": "retry", "sentence": "Failed, then passed on a retry in the same job, in 3 jobs."}]
    TestHealth.objects.create(
        test=wobbly, project=wobbly.project, state=State.FLAKY, score=0.12, evidence=evidence
    )

    flaky = run_context(run)["failures"][0]["flaky"]

    assert (flaky["state"], flaky["score"]) == ("flaky", 0.12)
    assert flaky["evidence"] == ["Failed, then passed on a retry in the same job, in 3 jobs."]


def test_it_shows_the_tests_active_quarantine_entry(land):
    run = land(case("test_wobbly", "failed")).run
    wobbly = Test.objects.get(name="test_wobbly")
    QuarantineEntry.objects.create(
        project=wobbly.project,
        test=wobbly,
        reason="flaky on CI",
        owner="team-pay",
        expires_at=timezone.now() + timedelta(days=7),
    )

    entry = run_context(run)["failures"][0]["quarantine"]

    assert (entry["reason"], entry["owner"], entry["automatic"]) == ("flaky on CI", "team-pay", False)


def test_it_derives_a_pytest_command_from_the_tests_file(land):
    run = land(
        case("test_y", "failed", classname="tests.test_x.TestCart", file="tests/test_x.py", message="no")
    ).run

    assert run_context(run)["failures"][0]["reproduce"] == "pytest tests/test_x.py::TestCart::test_y"


def test_it_gives_the_failed_jobs_log_lines_named_by_the_diagnosis_spans(land):
    run = land(BROKEN).run
    job = run.jobs.get()
    job.conclusion = "failure"
    job.save()
    text = "\n".join(f"line {n}" for n in range(1, 11)).encode()
    JobLog.objects.create(
        job=job, state=LogState.STORED, content=JobLog.compress(text), size=len(text), spans=[[4, 5], [9, 9]]
    )

    [logged] = run_context(run)["jobs"]

    assert logged["log_excerpt"] == "4: line 4\n5: line 5\n...\n9: line 9"


def test_it_links_a_github_pull_request(land):
    run = land(BROKEN, **PR).run

    assert run_context(run)["run"]["pull_request_url"] == "https://github.com/acme/widgets/pull/7"


def test_it_redacts_tokens_in_messages_and_traces(land):
    leaked = "requests.HTTPError: 401 for https://ci:hunter22@git.example.com with ghp_" + "a" * 36
    run = land(case("test_push", "failed", message=leaked, trace="Authorization: Bearer abc123def456")).run

    [attempt] = run_context(run)["failures"][0]["attempts"]

    assert "hunter22" not in attempt["message"]
    assert "a" * 36 not in attempt["message"]
    assert attempt["message"].endswith("https://ci:[REDACTED]@git.example.com with ghp_[REDACTED]")
    assert attempt["trace"] == "Authorization: Bearer [REDACTED]"


def test_it_counts_the_failing_tests_it_leaves_out(land, monkeypatch):
    monkeypatch.setattr(budget, "MAX_FAILURES", 2)
    run = land(*(case(f"test_{n}", "failed", message="no") for n in range(5))).run

    document = run_context(run)

    assert (len(document["failures"]), document["failures_not_shown"]) == (2, 3)
    assert document["summary"]["failing_tests"] == 5


def test_it_stays_within_its_byte_budget_however_long_the_traces(land):
    trace = "\n".join(f"  at frame {n} " + "x" * 200 for n in range(500))
    run = land(*(case(f"test_{n}", "failed", message="m" * 5000, trace=trace) for n in range(40))).run

    document = run_context(run)

    assert budget.size(document) <= budget.MAX_BYTES
    assert len(document["failures"]) + document["failures_not_shown"] == 40
    assert document["failures_not_shown"] > 40 - budget.MAX_FAILURES


def test_a_long_trace_keeps_both_ends_and_says_what_it_left_out(land):
    trace = "\n".join(f"frame {n}" for n in range(1, 201))
    run = land(case("test_deep", "failed", trace=trace)).run

    [attempt] = run_context(run)["failures"][0]["attempts"]
    lines = attempt["trace"].splitlines()

    assert (lines[0], lines[-1]) == ("frame 1", "frame 200")
    assert "[... 140 lines not shown ...]" in lines
    assert len(lines) == budget.MAX_TRACE_LINES + 1


def test_it_lists_the_runs_artifacts_with_their_links(land):
    from django.core.files.base import ContentFile

    run = land(BROKEN).run
    artifact = run.artifacts.create(
        project=run.project, name="screenshot.png", size=3, sha256="0" * 64, file=ContentFile(b"png", "s")
    )

    artifacts = run_context(run, artifact_url=lambda a: f"https://hub/a/{a.pk}")["artifacts"]

    assert artifacts == [
        {
            "id": artifact.pk,
            "name": "screenshot.png",
            "size": 3,
            "job": None,
            "url": f"https://hub/a/{artifact.pk}",
        }
    ]


def test_a_run_without_failures_has_an_empty_context(land):
    run = land(PASSING).run

    document = run_context(Run.objects.get(pk=run.pk))

    assert (document["failures"], document["failures_not_shown"], document["jobs"]) == ([], 0, [])


def test_jobs_and_artifacts_take_at_most_half_the_budget_and_count_what_they_leave_out(land, monkeypatch):
    from django.core.files.base import ContentFile

    monkeypatch.setattr(budget, "MAX_BYTES", 8 * 1024)
    run = land(BROKEN).run
    for n in range(10):
        run.artifacts.create(
            project=run.project,
            name=f"{n}-" + "a" * 900,
            size=1,
            sha256=f"{n}" * 64,
            file=ContentFile(b"x", "f"),
        )

    document = run_context(run)

    assert budget.size(document) <= budget.MAX_BYTES
    assert 0 < len(document["artifacts"]) < 10
    assert len(document["artifacts"]) + document["artifacts_not_shown"] == 10
    assert [f["test"]["name"] for f in document["failures"]] == ["test_checkout"]


def test_the_number_of_queries_does_not_grow_with_the_failing_tests(land, django_assert_max_num_queries):
    few = land(*(case(f"test_{n}", "failed") for n in range(2)), run_id="few").run
    many = land(*(case(f"test_{n}", "failed") for n in range(25)), run_id="many").run
    with django_assert_max_num_queries(20) as counted:
        run_context(few)
    queries = len(counted.captured_queries)

    with django_assert_max_num_queries(queries):
        run_context(many)


def test_it_gives_the_last_lines_of_what_a_failed_test_printed(land):
    printed = "\n".join(f"log {n}" for n in range(1, 101))
    run = land(case("test_noisy", "failed", message="no", stdout=printed)).run

    [attempt] = run_context(run)["failures"][0]["attempts"]

    assert attempt["output"].splitlines()[0] == "[... 70 lines not shown ...]"
    assert attempt["output"].splitlines()[-1] == "log 100"


def test_report_files_with_absolute_and_relative_paths_give_no_path_hint(agent):
    from tests.hub.conftest import report

    document = report(case("testRadius", "failed", classname="com.shape.CircleTest"))
    document["files"] = [
        {"path": "/tmp/TEST-a.xml", "format": "junit", "error": None, "cases": 1},
        {"path": "target/surefire-reports/TEST-b.xml", "format": "junit", "error": None, "cases": 1},
    ]
    assert agent.post_report(document).status_code == 201

    [failure] = run_context(Run.objects.get())["failures"]

    assert failure["reproduce"] == "mvn '-Dtest=com.shape.CircleTest#testRadius' test"


def test_tests_beyond_the_first_few_get_shorter_traces_so_more_of_them_fit(land):
    trace = "\n".join(f"frame {n} " + "x" * 50 for n in range(300))
    run = land(*(case(f"test_{n:02}", "failed", message="boom", trace=trace) for n in range(30))).run

    failures = run_context(run)["failures"]
    lines = [len(f["attempts"][0]["trace"].splitlines()) for f in failures]

    assert lines[: budget.FULL_DETAIL] == [budget.MAX_TRACE_LINES + 1] * budget.FULL_DETAIL
    assert set(lines[budget.FULL_DETAIL :]) == {budget.COMPACT_TRACE_LINES + 1}
    assert len(failures) > 2 * budget.FULL_DETAIL
