"""After an upload: each failed final result gets its category, rule and cluster; the same failure across
tests and runs is one cluster with counts; the job gets its category; running it again changes nothing."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hub.failures.models import ClusterTest, Failure, FailureCluster, JobFailure
from hub.failures.services.analysis import analyse_upload
from hub.runs.models import Job
from hub.runs.services.retention import prune_runs
from tests.hub.conftest import case

pytestmark = pytest.mark.django_db

REFUSED = "Error: connect ECONNREFUSED 127.0.0.1:{port}"


def refused(name, port=5432, **extra):
    return case(name, "failed", message=REFUSED.format(port=port), type="Error", **extra)


def test_each_failed_final_result_gets_a_category_rule_and_cluster(land):
    upload = land(
        refused("test_db"),
        case("test_import", "error", message="ModuleNotFoundError: No module named 'yaml'"),
        case("test_ok"),
        case("test_skipped", "skipped", message="not on CI"),
    )

    analyse_upload(upload.pk)

    failures = {f.test.name: f for f in Failure.objects.select_related("test", "cluster")}
    assert set(failures) == {"test_db", "test_import"}
    assert (failures["test_db"].category, failures["test_db"].rule) == (
        "network",
        "connection-refused-or-reset",
    )
    assert failures["test_import"].category == "import"
    assert failures["test_db"].cluster.normalised == "Error: connect ECONNREFUSED <ip>"
    assert failures["test_db"].run_id == upload.run_id
    assert failures["test_db"].job_id == upload.job_id


def test_a_retry_that_passed_is_not_a_failure(land):
    upload = land(
        case("test_retried", "passed", reruns=[{"status": "failed", "message": "AssertionError: flake"}]),
    )

    analyse_upload(upload.pk)

    assert not Failure.objects.exists()


def test_only_the_final_attempt_of_a_retried_failure_is_analysed(land):
    upload = land(
        case(
            "test_twice",
            "failed",
            message="AssertionError: assert 2 == 3",
            reruns=[{"status": "failed", "message": "Timeout of 2000ms exceeded"}],
        ),
    )

    analyse_upload(upload.pk)

    assert list(Failure.objects.values_list("category", flat=True)) == ["assertion"]


def test_the_same_failure_across_tests_and_runs_is_one_cluster_with_counts(land):
    first = land(
        refused("test_a", 5432), refused("test_b", 5433), run_id="1", started_at="2026-01-01T10:00:00Z"
    )
    second = land(
        refused("test_a", 6543), refused("test_c", 1234), run_id="2", started_at="2026-01-02T10:00:00Z"
    )

    analyse_upload(first.pk)
    analyse_upload(second.pk)

    cluster = FailureCluster.objects.get()
    assert (cluster.occurrences, cluster.tests) == (4, 3)
    assert cluster.first_seen.isoformat() == "2026-01-01T10:00:00+00:00"
    assert cluster.last_seen.isoformat() == "2026-01-02T10:00:00+00:00"
    assert (cluster.category, cluster.rule) == ("network", "connection-refused-or-reset")
    members = {m.test.name: m.occurrences for m in ClusterTest.objects.select_related("test")}
    assert members == {"test_a": 2, "test_b": 1, "test_c": 1}
    assert Failure.objects.filter(cluster=cluster).count() == 4


def test_an_older_run_analysed_later_moves_first_seen_back_not_last_seen(land):
    recent = land(refused("test_a"), run_id="2", started_at="2026-01-02T10:00:00Z")
    older = land(refused("test_a"), run_id="1", started_at="2026-01-01T10:00:00Z")

    analyse_upload(recent.pk)
    analyse_upload(older.pk)

    cluster = FailureCluster.objects.get()
    assert cluster.first_seen.isoformat() == "2026-01-01T10:00:00+00:00"
    assert cluster.last_seen.isoformat() == "2026-01-02T10:00:00+00:00"
    member = ClusterTest.objects.get()
    assert (member.occurrences, member.first_seen, member.last_seen) == (
        2,
        cluster.first_seen,
        cluster.last_seen,
    )


def test_different_failures_are_different_clusters(land):
    upload = land(
        case("test_a", "failed", message="No module named 'yaml'"),
        case("test_b", "failed", message="No module named 'requests'"),
        case("test_c", "failed", message="expected: <1> but was: <0>", type="AssertionError"),
        case("test_d", "failed", message="expected: <1> but was: <0>", type="ComparisonFailure"),
    )

    analyse_upload(upload.pk)

    assert FailureCluster.objects.count() == 4


def test_clusters_belong_to_their_project(land, other_project):
    upload = land(refused("test_a"))
    analyse_upload(upload.pk)
    FailureCluster.objects.update(project=other_project)

    analyse_upload(land(refused("test_a"), run_id="2").pk)

    assert FailureCluster.objects.count() == 2


def test_analysing_an_upload_twice_changes_nothing(land):
    upload = land(refused("test_a"), refused("test_b"), case("test_c", "failed", message="assert False"))
    analyse_upload(upload.pk)
    before = snapshot()

    summary = analyse_upload(upload.pk)

    assert summary.failures == 0
    assert snapshot() == before


def test_a_second_report_of_the_same_job_adds_to_the_job_without_recounting_the_first(land):
    first = land(refused("test_a"), job="unit")
    analyse_upload(first.pk)
    second = land(refused("test_b"), job="unit", **{})  # another report file of the same job
    assert second.job_id == first.job_id

    analyse_upload(second.pk)
    analyse_upload(first.pk)

    cluster = FailureCluster.objects.get()
    assert (cluster.occurrences, cluster.tests) == (2, 2)


def test_queries_grow_with_bulk_batches_not_with_failures(land):
    few = land(*[case(f"test_{i}", "failed", message="assert 1 == 2") for i in range(3)], run_id="1")
    many = land(*[case(f"test_{i}", "failed", message="KeyError: 'k'") for i in range(300)], run_id="2")

    with CaptureQueriesContext(connection) as small:
        analyse_upload(few.pk)
    with CaptureQueriesContext(connection) as large:
        analyse_upload(many.pk)

    # SQLite caps the parameters of one statement, so a 300-row insert is a few statements; not 300.
    assert len(large.captured_queries) - len(small.captured_queries) < 300 // 20


def test_a_missing_upload_is_a_no_op():
    assert analyse_upload(999_999).failures == 0


# The failed job's category.


def test_a_failed_job_gets_the_most_frequent_category_of_its_tests(land):
    upload = land(
        case("test_a", "failed", message="assert 1 == 2"),
        case("test_b", "failed", message="assert 3 == 4"),
        case("test_c", "failed", message="Timeout of 2000ms exceeded"),
    )

    analyse_upload(upload.pk)

    job_failure = JobFailure.objects.get(job_id=upload.job_id)
    assert (job_failure.category, job_failure.rule, job_failure.source) == ("assertion", "assertion", "tests")
    assert job_failure.cluster is not None
    assert "assert" in job_failure.excerpt


def test_a_root_cause_outranks_more_frequent_symptoms(land):
    upload = land(
        *[case(f"test_{i}", "failed", message=f"assert {i} == 0") for i in range(5)],
        case("test_disk", "error", message="OSError: [Errno 28] No space left on device"),
    )

    analyse_upload(upload.pk)

    job_failure = JobFailure.objects.get(job_id=upload.job_id)
    assert (job_failure.category, job_failure.rule) == ("infrastructure", "disk-full")


def test_unknown_wins_only_when_nothing_else_is_known(land):
    upload = land(
        *[case(f"test_{i}", "failed", message=f"KeyError: 'k{i}'") for i in range(3)],
        case("test_t", "failed", message="Exceeded timeout of 5000 ms for a test."),
    )

    analyse_upload(upload.pk)

    assert JobFailure.objects.get(job_id=upload.job_id).category == "timeout"


def test_an_unknown_from_a_later_upload_leaves_the_category_read_from_the_jobs_log(land):
    first = land(case("test_ok"))
    JobFailure.objects.create(
        job_id=first.job_id, category="dependency", rule="pip-no-matching-distribution", source="log"
    )
    later = land(case("test_keys", "failed", message="KeyError: 'k'"))

    analyse_upload(later.pk)

    assert later.job_id == first.job_id
    assert Failure.objects.get().category == "unknown"
    job_failure = JobFailure.objects.get(job_id=first.job_id)
    assert (job_failure.source, job_failure.category, job_failure.rule) == (
        "log",
        "dependency",
        "pip-no-matching-distribution",
    )


def test_a_known_category_from_the_tests_replaces_the_one_read_from_the_jobs_log(land):
    first = land(case("test_ok"))
    JobFailure.objects.create(job_id=first.job_id, category="dependency", source="log")
    later = land(case("test_a", "failed", message="assert 1 == 2"))

    analyse_upload(later.pk)

    job_failure = JobFailure.objects.get(job_id=first.job_id)
    assert (job_failure.source, job_failure.category) == ("tests", "assertion")
    assert job_failure.cluster is not None


def test_a_job_without_failures_gets_no_job_failure(land):
    upload = land(case("test_ok"))

    analyse_upload(upload.pk)

    assert not JobFailure.objects.exists()


# Users' rules.


def test_a_projects_own_rules_come_first(land, project):
    project.settings = {
        "failure_rules": [{"name": "our-db", "category": "infrastructure", "message": "5432"}]
    }
    project.save()
    upload = land(refused("test_db"))

    analyse_upload(upload.pk)

    assert Failure.objects.values_list("category", "rule").get() == ("infrastructure", "our-db")


def test_a_projects_bad_rules_are_logged_and_left_out(land, project, caplog):
    project.settings = {"failure_rules": [{"name": "broken", "category": "nonsense", "message": "x"}]}
    project.save()
    upload = land(refused("test_db"))

    with caplog.at_level(logging.ERROR, logger="hub.failures.services.rules"):
        analyse_upload(upload.pk)

    assert Failure.objects.values_list("category", flat=True).get() == "network"
    assert "acme/widgets" in caplog.text
    assert "'broken'" in caplog.text
    assert "'category' is 'nonsense'" in caplog.text


def test_the_operators_rule_file_comes_before_the_builtin_rules(land, settings, tmp_path):
    rules = tmp_path / "rules.yml"
    rules.write_text("rules:\n  - name: vpn\n    category: infrastructure\n    message: ECONNREFUSED\n")
    settings.FAILURE_RULES_FILE = rules
    upload = land(refused("test_db"))

    analyse_upload(upload.pk)

    assert Failure.objects.values_list("rule", flat=True).get() == "vpn"


def snapshot():
    return (
        list(FailureCluster.objects.order_by("id").values()),
        list(ClusterTest.objects.order_by("id").values()),
        list(Failure.objects.order_by("id").values()),
        list(JobFailure.objects.order_by("id").values()),
        list(Job.objects.order_by("id").values()),
    )


def test_pruning_a_run_removes_its_failures_and_keeps_the_clusters_history(land):
    upload = land(refused("test_a"), run_id="old", started_at="2020-01-01T00:00:00Z")
    analyse_upload(upload.pk)

    prune_runs(30)

    assert not Failure.objects.exists()
    assert not JobFailure.objects.exists()
    assert FailureCluster.objects.get().occurrences == 1
