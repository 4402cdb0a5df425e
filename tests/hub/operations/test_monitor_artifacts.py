"""Test results from a polled run's report artifacts: read through the uploads' ingest, replaced by the
run's own report when it comes (one run, no duplicate results), read once, and a hostile or oversized
artifact refused with its reason while the rest load. GitHub is faked at the HTTP boundary with its
published bodies; the zips are built here."""

from __future__ import annotations

import copy
import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from agent.providers import ArtifactInfo
from hub.failures.models import Failure
from hub.integrations.clients import client_for
from hub.operations.models import Monitor
from hub.operations.services import monitor
from hub.operations.services.artifacts import JobRef, chosen, job_for, read_run_artifacts
from hub.projects.models import AgentToken, Project
from hub.runs.models import Job, Run, TestResult, Upload
from hub.runs.services.stand_ins import counts_of
from tests.agent.providers.circleci_api import API as CIRCLE_API
from tests.agent.providers.circleci_api import ARTIFACTS as CIRCLE_FILES
from tests.agent.providers.circleci_api import job_body, page
from tests.hub.conftest import Agent, case, report
from tests.hub.operations.conftest import corpus_api, give_token
from tests.hub.operations.test_circleci_runs import JOB_UUID, circleci_says, from_webhook, zulip  # noqa: F401
from tests.hub.operations.test_circleci_runs import SLUG as CIRCLE_SLUG
from tests.hub.operations.test_monitor import REPO, TWO_HOURS, ago, asked, github_has, github_lists
from tests.hub.response.conftest import RUN_ID, SHA
from tests.hub.webhooks.conftest import octo, run_tasks, sender  # noqa: F401

pytestmark = pytest.mark.django_db

BLOB = "https://productionresultssa0.blob.core.windows.net/artifacts"
JUNIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites><testsuite name="widgets" tests="3" failures="1">
  <testcase classname="tests.test_widgets" name="test_one" time="0.1"/>
  <testcase classname="tests.test_widgets" name="test_two" time="0.1"/>
  <testcase classname="tests.test_widgets" name="test_fails" time="0.2">
    <failure message="assert 1 == 2" type="AssertionError">tests/test_widgets.py:12: AssertionError</failure>
  </testcase>
</testsuite></testsuites>
"""


def zipped(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def github_keeps(api, run_id: int, *artifacts: tuple[int, str, bytes | None, int | None]) -> None:
    """The run's artifacts as GitHub lists them (its published example), each (id, name, zip, size): the
    zip behind ``.../zip``'s redirect, as GitHub answers."""
    template = corpus_api("github/examples/actions__list-workflow-run-artifacts.200.default.json")
    listed = []
    for artifact_id, name, body, size in artifacts:
        item = copy.deepcopy(template["artifacts"][0])
        item.update(id=artifact_id, name=name, size_in_bytes=size if size is not None else len(body or b""))
        listed.append(item)
        if body is not None:
            blob = f"{BLOB}/{artifact_id}.zip"
            api.get(f"{REPO}/actions/artifacts/{artifact_id}/zip", status=302, headers={"Location": blob})
            api.get(blob, body=body, content_type="application/zip")
    api.replace(
        "GET",
        f"{REPO}/actions/runs/{run_id}/artifacts",
        json={"total_count": len(listed), "artifacts": listed},
    )


@pytest.fixture
def watched(octo):  # noqa: F811
    give_token(octo)
    Monitor.objects.create(project=octo, lookback="2h", max_failures=10, interval_minutes=15)
    return octo


@pytest.fixture
def failed_run(api):
    """A failed run nobody reported, its one job ``build`` failed."""
    github_lists(api, (RUN_ID, "failure", 10))
    github_has(api, RUN_ID)


def agent_of(project) -> Agent:
    _, plain = AgentToken.issue(project=project, name="ci")
    return Agent(plain)


def agents_report() -> dict:
    cases = [case("test_one"), case("test_two"), case("test_fails", "failed", message="assert 1 == 2")]
    return report(*cases, run_id=str(RUN_ID), job="build", branch="master", sha=SHA)


def test_a_polled_failed_run_with_a_junit_artifact_has_its_results_and_failures_in_the_hub(
    watched,
    api,
    failed_run,
    run_tasks,  # noqa: F811
):
    github_keeps(api, RUN_ID, (11, "junit-results", zipped({"reports/junit.xml": JUNIT}), None))

    with run_tasks():
        result = monitor.poll(watched, TWO_HOURS)

    run = Run.objects.get()
    assert (run.tests, run.passed, run.failed) == (3, 2, 1)
    assert run.jobs.get().name == "build"  # the run's failed job, not a new one
    upload = Upload.objects.get()
    assert (upload.source, upload.results) == ("artifacts", 3)
    assert upload.files == [
        {"path": "junit-results/reports/junit.xml", "format": "junit", "error": None, "cases": 3}
    ]
    assert Failure.objects.get().test.name == "test_fails"
    assert (result.results, result.refused, result.error) == (3, [], "")


def test_a_later_agent_report_of_the_same_run_makes_one_run_without_duplicate_results(
    watched,
    api,
    failed_run,
    run_tasks,  # noqa: F811
):
    github_keeps(api, RUN_ID, (11, "junit-results", zipped({"reports/junit.xml": JUNIT}), None))
    with run_tasks():
        monitor.poll(watched, TWO_HOURS)

    with run_tasks():
        response = agent_of(watched).post_report(agents_report())

    assert response.status_code == 201, response.content
    run = Run.objects.get()
    assert (run.tests, run.passed, run.failed, run.jobs.count()) == (3, 2, 1, 1)
    assert TestResult.objects.count() == 3
    assert list(Upload.objects.values_list("source", flat=True)) == ["json"]
    assert Failure.objects.get().result.upload_id == Upload.objects.get().pk


def test_an_agent_report_under_another_job_name_still_replaces_the_stand_in_results(watched, api, failed_run):
    github_keeps(api, RUN_ID, (11, "junit-results", zipped({"reports/junit.xml": JUNIT}), None))
    monitor.poll(watched, TWO_HOURS)
    doc = agents_report()
    doc["job"] = {"name": "test"}  # GITHUB_JOB, where the webhook and the listing say "build"

    assert agent_of(watched).post_report(doc).status_code == 201

    run = Run.objects.get()
    assert (run.tests, run.failed) == (3, 1)
    assert dict(run.jobs.values_list("name", "tests")) == {"build": 0, "test": 3}
    assert TestResult.objects.count() == 3


def test_a_run_the_agent_reported_first_has_its_artifacts_left_unread(watched, api, failed_run):
    assert agent_of(watched).post_report(agents_report()).status_code == 201
    github_keeps(api, RUN_ID, (11, "junit-results", zipped({"reports/junit.xml": JUNIT}), None))

    result = monitor.poll(watched, TWO_HOURS)

    assert result.fed
    assert result.results == 0
    assert asked(api, f"/actions/runs/{RUN_ID}/artifacts") == 0
    assert TestResult.objects.count() == 3


def test_a_run_read_once_is_not_read_again(watched, api, failed_run):
    github_keeps(api, RUN_ID, (11, "junit-results", zipped({"reports/junit.xml": JUNIT}), None))
    monitor.poll(watched, TWO_HOURS)
    listed = asked(api, f"/actions/runs/{RUN_ID}/artifacts")

    again = read_run_artifacts(client_for(watched), Run.objects.get())

    assert again.results == 0
    assert asked(api, f"/actions/runs/{RUN_ID}/artifacts") == listed
    assert TestResult.objects.count() == 3


def test_an_artifact_with_a_path_out_of_its_directory_is_refused_and_the_others_still_load(
    watched, api, failed_run, tmp_path
):
    hostile = zipped({"../../escaped.xml": JUNIT})
    good = zipped({"junit.xml": JUNIT})
    github_keeps(api, RUN_ID, (11, "test-results-evil", hostile, None), (12, "test-results", good, None))

    result = monitor.poll(watched, TWO_HOURS)

    assert result.error == ""
    assert len(result.fed) == 1
    assert result.results == 3
    [reason] = result.refused
    assert "test-results-evil" in reason
    assert "'..' component" in reason
    files = Upload.objects.get().files
    assert [f["path"] for f in files] == ["artifact test-results-evil", "test-results/junit.xml"]
    assert "nothing was extracted" in files[0]["error"]


def test_an_artifact_larger_than_the_limit_is_refused_by_its_listed_size_without_downloading(
    watched, api, failed_run, settings
):
    settings.MONITOR_ARTIFACT_MAX_BYTES = 1000
    github_keeps(api, RUN_ID, (11, "junit-big", None, 5000), (12, "junit", zipped({"j.xml": JUNIT}), None))

    result = monitor.poll(watched, TWO_HOURS)

    assert result.results == 3
    [reason] = result.refused
    assert "MONITOR_ARTIFACT_MAX_BYTES" in reason
    assert "junit-big" in reason
    assert asked(api, "/actions/artifacts/11/zip") == 0


def test_an_artifact_whose_download_runs_past_the_limit_is_refused_naming_the_limit(
    watched, api, failed_run, settings
):
    settings.MONITOR_ARTIFACT_MAX_BYTES = 1000
    padded = zipped({"junit.xml": JUNIT, "padding.bin": bytes(range(256)) * 40})
    github_keeps(api, RUN_ID, (11, "junit", padded, 10))  # listed smaller than it is

    result = monitor.poll(watched, TWO_HOURS)

    assert result.results == 0
    assert result.refused == [
        "artifact junit: artifact 'junit' is more as downloaded, larger than MONITOR_ARTIFACT_MAX_BYTES "
        "(1000 bytes); raise it to read this artifact"
    ]
    assert Run.objects.get().conclusion == "failure"  # the run itself is kept


def test_report_files_past_the_run_total_are_refused_by_name(watched, api, failed_run, settings):
    settings.MONITOR_ARTIFACTS_MAX_TOTAL_BYTES = len(JUNIT) + 10
    github_keeps(api, RUN_ID, (11, "junit", zipped({"a.xml": JUNIT, "b.xml": JUNIT}), None))

    result = monitor.poll(watched, TWO_HOURS)

    assert result.results == 3
    [reason] = result.refused
    assert reason.startswith("junit/b.xml: ")
    assert "MONITOR_ARTIFACTS_MAX_TOTAL_BYTES" in reason


def test_artifacts_not_named_like_test_results_and_files_outside_the_globs_are_not_read(
    watched, api, failed_run
):
    github_keeps(
        api,
        RUN_ID,
        (11, "coverage-html", zipped({"index.xml": JUNIT}), None),
        (12, "test-results", zipped({"notes.txt": b"hello", "junit.xml": JUNIT}), None),
    )

    result = monitor.poll(watched, TWO_HOURS)

    assert result.results == 3
    assert asked(api, "/actions/artifacts/11/zip") == 0
    assert [f["path"] for f in Upload.objects.get().files] == ["test-results/junit.xml"]


def artifact(artifact_id: str, name: str, *, expired: bool = False) -> ArtifactInfo:
    return ArtifactInfo(id=artifact_id, name=name, size=10, expired=expired)


def test_only_unexpired_artifacts_named_like_test_results_are_chosen_up_to_the_limit():
    listed = [
        artifact("1", "Test-Results"),
        artifact("2", "junit-old", expired=True),
        artifact("3", "dist"),
        artifact("4", "unit-report"),
        artifact("5", "junit"),
    ]
    assert [a.id for a in chosen(listed, ["*test*", "*junit*", "*report*"], 2)] == ["1", "4"]


def test_an_artifact_goes_to_its_own_job_else_the_job_its_name_holds_else_the_first_failed_job():
    build, unit = JobRef("build", "100", False), JobRef("unit", "200", True)
    lint = JobRef("lint", "300", True)
    jobs = [build, unit, lint]
    assert job_for(artifact("300", "x"), jobs) == lint  # GitLab: the job's own archive
    assert job_for(artifact("100:0:reports/junit.xml", "reports/junit.xml"), jobs) == build  # CircleCI
    assert job_for(artifact("9", "junit-build"), jobs) == build  # GitHub: named after the job
    assert job_for(artifact("9", "test-results"), jobs) == unit
    assert job_for(artifact("9", "test-results"), []) is None


def test_a_stand_ins_counts_are_what_its_load_added_a_retry_that_passed_counting_as_flaky():
    rows = [
        (1, True, "passed", 0.5),
        (2, False, "failed", 1.0),
        (2, True, "passed", 1.0),
        (3, True, "error", None),
        (4, True, "skipped", 0.0),
    ]
    assert counts_of(rows) == {
        "tests": 4,
        "passed": 2,
        "failed": 0,
        "errors": 1,
        "skipped": 1,
        "flaky": 1,
        "duration": 2.5,
    }


def test_a_gitlab_jobs_artifacts_archive_loads_into_that_job(api):
    """GitLab's pipeline and job bodies from the corpus (gitlab4j): a job's archive is its artifact."""
    project = Project.objects.create(full_name="foo/bar", provider="gitlab")
    give_token(project, "glpat-monitor")
    base = "https://gitlab.com/api/v4/projects/foo%2Fbar"
    pipeline = {**corpus_api("gitlab/gitlab4j/pipeline.json"), "status": "failed", "created_at": ago(20)}
    job = corpus_api("gitlab/gitlab4j/job.json")
    later = (timezone.now() + timedelta(days=7)).isoformat()
    job.update(status="failed", name="unit-tests", artifacts_expire_at=later)
    api.get(f"{base}/pipelines", json=[pipeline])
    api.get(f"{base}/pipelines/46", json=pipeline)
    api.get(f"{base}/pipelines/46/jobs", json=[job])
    api.get(f"{base}/pipelines/46/bridges", json=[])
    api.get(f"{base}/jobs/7/artifacts", body=zipped({"rspec/junit.xml": JUNIT}))

    result = monitor.poll(project, TWO_HOURS)

    assert result.results == 3
    assert Job.objects.get().failed == 1
    assert Upload.objects.get().files[0]["path"] == "unit-tests/rspec/junit.xml"


def test_a_circleci_jobs_stored_report_file_loads_into_that_job(from_webhook, api, zulip):  # noqa: F811
    """CircleCI's answers from its API v2 schemas: each stored file is an artifact, fetched from its URL."""
    built = job_body(6, id=JOB_UUID, name="build-and-test", project_slug=CIRCLE_SLUG, status="failed")
    circleci_says(api, "failed", [built])
    junit_url = f"{CIRCLE_FILES}/test-results/junit.xml"
    item = {"path": "test-results/junit.xml", "node_index": 0, "url": junit_url}
    api.get(f"{CIRCLE_API}/project/{CIRCLE_SLUG}/6/artifacts", json=page(item))
    api.get(junit_url, body=JUNIT)

    read = read_run_artifacts(client_for(zulip), from_webhook)

    assert read.results == 3
    upload = Upload.objects.get()
    assert upload.job.name == "build-and-test"
    assert upload.files[0]["path"] == "build-and-test/test-results/junit.xml"
