"""GET /api/v1/runs/{id}/results/: one run's results job by job, each job's in report order, each with its
test's identity."""

from __future__ import annotations

import pytest

from tests.hub.api.factories import make_job, make_result, make_run, make_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(project):
    return make_run(project)


def results(client, run, **params) -> list[dict]:
    response = client.get(f"/api/v1/runs/{run.pk}/results/", params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_each_result_carries_the_tests_identity(project, run, owner, client_for):
    test = make_test(project, "test_spins", classname="tests.test_widgets", suite="unit", file="tests/w.py")
    make_result(make_job(run, "unit"), test, "failed", message="boom")

    [result] = results(client_for(owner), run)

    assert result["test"] == {
        "id": test.pk,
        "suite": "unit",
        "classname": "tests.test_widgets",
        "name": "test_spins",
        "file": "tests/w.py",
    }
    assert (result["status"], result["message"], result["job_name"]) == ("failed", "boom", "unit")


def test_it_lists_results_in_report_order(project, run, owner, client_for):
    job = make_job(run)
    stored = [make_result(job, make_test(project, name)) for name in ("b", "a", "c")]

    assert [result["id"] for result in results(client_for(owner), run)] == [r.pk for r in stored]


def test_it_keeps_every_rerun_attempt(project, run, owner, client_for):
    job, test = make_job(run), make_test(project, "test_flaky")
    make_result(job, test, "failed", attempt=1, final=False)
    make_result(job, test, "passed", attempt=2, final=True)

    listed = results(client_for(owner), run)

    assert [(r["attempt"], r["status"], r["final"]) for r in listed] == [
        (1, "failed", False),
        (2, "passed", True),
    ]


def test_it_filters_results_by_status(project, run, owner, client_for):
    job = make_job(run)
    make_result(job, make_test(project, "ok"), "passed")
    failed = make_result(job, make_test(project, "broken"), "failed")

    assert [r["id"] for r in results(client_for(owner), run, status="failed")] == [failed.pk]


def test_it_filters_results_by_job(project, run, owner, client_for):
    unit, integration = make_job(run, "unit"), make_job(run, "integration")
    make_result(unit, make_test(project, "u"))
    wanted = make_result(integration, make_test(project, "i"))

    assert [r["id"] for r in results(client_for(owner), run, job=integration.pk)] == [wanted.pk]


def test_it_lists_only_the_runs_own_results(project, run, owner, client_for):
    test = make_test(project, "t")
    make_result(make_job(make_run(project)), test)
    mine = make_result(make_job(run), test)

    assert [r["id"] for r in results(client_for(owner), run)] == [mine.pk]


def test_it_answers_404_for_a_run_that_does_not_exist(owner, client_for):
    response = client_for(owner).get("/api/v1/runs/999999/results/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_listing_results_takes_a_fixed_number_of_queries(
    project, run, owner, client_for, django_assert_max_num_queries
):
    jobs = [make_job(run, f"job {index}") for index in range(3)]
    for index in range(30):
        make_result(jobs[index % 3], make_test(project, f"test_{index}"))
    client = client_for(owner)

    # token, (last-used stamp), the run, its jobs, the page's ids, then its rows with test and job
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/runs/{run.pk}/results/")

    assert len(response.json()["results"]) == 30


def test_it_lists_a_runs_results_job_by_job(project, run, owner, client_for):
    unit, lint = make_job(run, "unit"), make_job(run, "lint")
    first = make_result(unit, make_test(project, "u1"))
    lint_result = make_result(lint, make_test(project, "l1"))
    second = make_result(unit, make_test(project, "u2"))  # the unit job's second upload, later

    listed = [r["id"] for r in results(client_for(owner), run)]

    assert listed == [first.pk, second.pk, lint_result.pk]


def pages(client, url: str, **params) -> list[dict]:
    """Every page, following ``next`` from the first."""
    body = client.get(url, params).json()
    found = [body]
    while body["next"]:
        body = client.get(body["next"]).json()
        found.append(body)
    return found


def test_pages_continue_inside_a_job_and_across_jobs(project, run, owner, client_for):
    jobs = [make_job(run, name) for name in ("a", "b", "c")]
    stored = [make_result(job, make_test(project, f"{job.name}{n}")) for job in jobs for n in range(3)]
    client = client_for(owner)

    walked = pages(client, f"/api/v1/runs/{run.pk}/results/", page_size=2)

    assert [[r["id"] for r in page["results"]] for page in walked] == [
        [r.pk for r in stored[n : n + 2]] for n in range(0, 9, 2)
    ]


def test_previous_pages_come_back_the_same(project, run, owner, client_for):
    jobs = [make_job(run, name) for name in ("a", "b")]
    for job in jobs:
        for n in range(3):
            make_result(job, make_test(project, f"{job.name}{n}"))
    client = client_for(owner)
    walked = pages(client, f"/api/v1/runs/{run.pk}/results/", page_size=2)

    back = client.get(walked[-1]["previous"]).json()
    first = client.get(back["previous"]).json()

    assert back["results"] == walked[-2]["results"]
    assert first["results"] == walked[0]["results"]
    assert first["previous"] is None


def test_a_filtered_listing_pages_across_jobs(project, run, owner, client_for):
    jobs = [make_job(run, name) for name in ("a", "b", "c")]
    failed = []
    for job in jobs:
        make_result(job, make_test(project, f"{job.name}-ok"))
        failed.append(make_result(job, make_test(project, f"{job.name}-bad"), "failed"))
    client = client_for(owner)

    walked = pages(client, f"/api/v1/runs/{run.pk}/results/", status="failed", page_size=2)

    assert [r["id"] for page in walked for r in page["results"]] == [r.pk for r in failed]
    assert len(walked) == 2


def test_a_cursor_that_is_not_one_of_ours_is_refused(run, owner, client_for):
    response = client_for(owner).get(f"/api/v1/runs/{run.pk}/results/", {"cursor": "cD1ub3RoaW5n"})

    assert response.status_code == 404
