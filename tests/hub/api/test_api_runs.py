"""GET /api/v1/runs/ and /api/v1/runs/{id}/: newest first, filtered on indexed fields, counts as stored."""

from __future__ import annotations

import pytest

from tests.hub.api.factories import make_job, make_run

pytestmark = pytest.mark.django_db


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [run["id"] for run in response.json()["results"]]


def test_it_lists_runs_newest_first(project, owner, client_for):
    older, newer = make_run(project, minutes=1), make_run(project, minutes=2)

    assert ids(client_for(owner).get("/api/v1/runs/")) == [newer.pk, older.pk]


def test_it_filters_runs_by_project_full_name(project, other_project, superuser, client_for):
    mine = make_run(project)
    make_run(other_project)

    assert ids(client_for(superuser).get("/api/v1/runs/", {"project": "acme/widgets"})) == [mine.pk]


@pytest.mark.parametrize(
    ("field", "wanted", "other"),
    [
        ("branch", "feature/x", "main"),
        ("status", "in_progress", "completed"),
        ("conclusion", "failure", "success"),
        ("pull_request", 42, 7),
    ],
)
def test_it_filters_runs_by_field(project, owner, client_for, field, wanted, other):
    match = make_run(project, **{field: wanted})
    make_run(project, **{field: other})

    assert ids(client_for(owner).get("/api/v1/runs/", {field: wanted})) == [match.pk]


def test_it_matches_a_commit_sha_prefix_of_seven_characters(project, owner, client_for):
    match = make_run(project, commit_sha="abcdef0" + "1" * 33)
    make_run(project, commit_sha="abcdef1" + "1" * 33)

    assert ids(client_for(owner).get("/api/v1/runs/", {"commit_sha": "ABCDEF0"})) == [match.pk]


def test_it_matches_a_full_commit_sha_exactly(project, owner, client_for):
    match = make_run(project, commit_sha="c" * 40)

    assert ids(client_for(owner).get("/api/v1/runs/", {"commit_sha": "c" * 40})) == [match.pk]


def test_it_refuses_a_commit_sha_prefix_shorter_than_seven_characters(project, owner, client_for):
    response = client_for(owner).get("/api/v1/runs/", {"commit_sha": "abcdef"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "commit_sha" in error["details"]


def test_it_refuses_an_unknown_status(project, owner, client_for):
    response = client_for(owner).get("/api/v1/runs/", {"status": "done"})

    assert response.status_code == 400
    assert "status" in response.json()["error"]["details"]


def test_it_filters_runs_by_creation_time(project, owner, client_for):
    make_run(project, minutes=0)
    inside = make_run(project, minutes=10)
    make_run(project, minutes=20)

    response = client_for(owner).get(
        "/api/v1/runs/",
        {"created_after": "2026-01-01T12:05:00Z", "created_before": "2026-01-01T12:20:00Z"},
    )

    assert ids(response) == [inside.pk]


def test_it_pages_runs_with_a_cursor(project, owner, client_for):
    runs = [make_run(project, minutes=minute) for minute in range(5)]
    client = client_for(owner)

    first = client.get("/api/v1/runs/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()

    seen = [run["id"] for run in first["results"] + second["results"]]
    assert seen == [run.pk for run in reversed(runs)]
    assert second["next"] is None
    assert "count" not in first


def test_a_run_shows_the_counts_stored_at_ingest(project, owner, client_for):
    run = make_run(project, tests=10, passed=7, failed=2, errors=0, skipped=1, flaky=1, duration=3.5)

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/").json()

    assert body["counts"] == {
        "tests": 10,
        "passed": 7,
        "failed": 2,
        "errors": 0,
        "skipped": 1,
        "flaky": 1,
        "duration": 3.5,
    }


def test_a_run_shows_its_jobs_with_their_counts(project, owner, client_for):
    run = make_run(project)
    make_job(run, "unit", tests=5, failed=1)
    make_job(run, "integration", tests=3)

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/").json()

    assert [(job["name"], job["counts"]["tests"], job["counts"]["failed"]) for job in body["jobs"]] == [
        ("unit", 5, 1),
        ("integration", 3, 0),
    ]


def test_a_run_names_its_project_and_source(project, owner, client_for):
    run = make_run(project, branch="main", commit_sha="d" * 40, pull_request=12, attempt=2)

    body = client_for(owner).get(f"/api/v1/runs/{run.pk}/").json()

    assert (body["project"], body["branch"], body["commit_sha"], body["pull_request"], body["attempt"]) == (
        "acme/widgets",
        "main",
        "d" * 40,
        12,
        2,
    )


def test_listing_runs_takes_a_fixed_number_of_queries(
    project, owner, client_for, django_assert_max_num_queries
):
    for minute in range(30):
        make_job(make_run(project, minutes=minute))
    client = client_for(owner)

    with django_assert_max_num_queries(3):  # token, (last-used stamp), runs with their projects
        response = client.get("/api/v1/runs/")

    assert len(response.json()["results"]) == 30


def test_showing_a_run_takes_a_fixed_number_of_queries(
    project, owner, client_for, django_assert_max_num_queries
):
    run = make_run(project)
    for index in range(20):
        make_job(run, f"job {index}")
    client = client_for(owner)

    with django_assert_max_num_queries(4):  # token, (last-used stamp), run with project, its jobs
        response = client.get(f"/api/v1/runs/{run.pk}/")

    assert len(response.json()["jobs"]) == 20
