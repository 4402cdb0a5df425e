"""GET /api/v1/tests/{id}/ and its history: every execution across runs, newest first."""

from __future__ import annotations

import pytest

from tests.hub.api.factories import make_job, make_result, make_run, make_test

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_case(project):
    return make_test(project, "test_spins", classname="tests.test_widgets", file="tests/test_widgets.py")


def history(client, test, **params) -> dict:
    response = client.get(f"/api/v1/tests/{test.pk}/history/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_it_shows_a_tests_identity(test_case, owner, client_for):
    body = client_for(owner).get(f"/api/v1/tests/{test_case.pk}/").json()

    assert (body["project"], body["classname"], body["name"], body["file"]) == (
        "acme/widgets",
        "tests.test_widgets",
        "test_spins",
        "tests/test_widgets.py",
    )


def test_history_lists_executions_newest_first(project, test_case, owner, client_for):
    old = make_result(make_job(make_run(project, minutes=1)), test_case, "passed")
    new = make_result(make_job(make_run(project, minutes=2)), test_case, "failed")

    assert [entry["id"] for entry in history(client_for(owner), test_case)["results"]] == [new.pk, old.pk]


def test_history_says_where_and_when_each_execution_ran(project, test_case, owner, client_for):
    run = make_run(project, branch="feature/x", commit_sha="e" * 40, attempt=2, minutes=5)
    make_result(make_job(run, "unit"), test_case, "failed", attempt=3, duration=1.25)

    [entry] = history(client_for(owner), test_case)["results"]

    assert entry == {
        "id": entry["id"],
        "status": "failed",
        "duration": 1.25,
        "attempt": 3,
        "final": True,
        "run": run.pk,
        "run_attempt": 2,
        "job": run.jobs.get().pk,
        "job_name": "unit",
        "commit_sha": "e" * 40,
        "branch": "feature/x",
        "created_at": "2026-01-01T12:05:00Z",
    }


def test_history_leaves_out_other_tests(project, test_case, owner, client_for):
    job = make_job(make_run(project))
    make_result(job, make_test(project, "test_other"))
    mine = make_result(job, test_case)

    assert [entry["id"] for entry in history(client_for(owner), test_case)["results"]] == [mine.pk]


def test_history_is_cursor_paginated(project, test_case, owner, client_for):
    stored = [make_result(make_job(make_run(project, minutes=m)), test_case) for m in range(5)]
    client = client_for(owner)

    first = history(client, test_case, page_size=2)
    rest = client.get(first["next"]).json()

    assert [e["id"] for e in first["results"]] == [stored[4].pk, stored[3].pk]
    assert rest["results"][0]["id"] == stored[2].pk


def test_history_takes_a_fixed_number_of_queries(
    project, test_case, owner, client_for, django_assert_max_num_queries
):
    for minute in range(25):
        make_result(make_job(make_run(project, minutes=minute)), test_case)
    client = client_for(owner)

    with django_assert_max_num_queries(4):  # token, (last-used stamp), the test, results with run and job
        response = client.get(f"/api/v1/tests/{test_case.pk}/history/")

    assert len(response.json()["results"]) == 25
