"""A read-only member sees a project's pages without a single action button, and every action they post
anyway is a 403 page saying what to do, with nothing sent to the CI or stored (the API's rule,
``require_operator``)."""

from __future__ import annotations

import pytest

from hub.flaky.models import QuarantineEntry
from hub.flaky.services import quarantine
from hub.operations.models import Action
from hub.response.models import FixJob, FixState, Responder
from hub.response.services import fix_jobs
from tests.hub.api.factories import make_job, make_run, make_test
from tests.hub.operations.conftest import api, with_token  # noqa: F401

pytestmark = pytest.mark.django_db

CONFIRMED = {"confirm": "yes"}
RUN_BUTTONS = (
    "Re-run failed jobs",
    "Re-run every job",
    "Re-run this job",
    "Cancel the run",
    "Trigger a workflow",
)


@pytest.fixture
def as_reader(client, reader):
    client.force_login(reader)
    return client


@pytest.fixture
def running(with_token):  # noqa: F811
    run = make_run(with_token, provider_run_id="30433642", status="in_progress", conclusion="")
    make_job(run, "lint", provider_job_id="399444496")
    return run


@pytest.fixture
def dead_fix_job(project) -> FixJob:
    run = make_run(project, conclusion="failure")
    job = fix_jobs.open_job(project.pk, Responder.RERUN, f"rerun:{run.pk}:1", "flaky", run=run)
    FixJob.objects.filter(pk=job.pk).update(state=FixState.DEAD)
    return FixJob.objects.get(pk=job.pk)


def text(response) -> str:
    return response.content.decode()


def test_a_read_only_member_sees_a_run_without_its_buttons(as_reader, running):
    response = as_reader.get(f"/runs/{running.pk}/")

    assert response.status_code == 200
    assert [button for button in RUN_BUTTONS if button in text(response)] == []


def test_a_member_sees_the_same_run_with_its_buttons(client, teammate, running):
    client.force_login(teammate)

    page = text(client.get(f"/runs/{running.pk}/"))

    assert [button for button in RUN_BUTTONS if button in page] == list(RUN_BUTTONS)


def test_a_read_only_member_sees_a_test_without_quarantine_or_mark_fixed(as_reader, project):
    test = make_test(project, "test_wobbly")

    page = text(as_reader.get(f"/tests/{test.pk}/"))

    assert "test_wobbly" in page
    assert ">Quarantine</button>" not in page
    assert "Mark fixed" not in page


def test_a_read_only_member_sees_a_quarantined_test_without_unquarantine(as_reader, project, owner):
    test = make_test(project, "test_wobbly")
    quarantine.quarantine(test, reason="times out", user=owner)

    assert "Unquarantine" not in text(as_reader.get(f"/tests/{test.pk}/"))


def test_a_read_only_member_sees_a_fix_job_without_try_again_or_cancel(as_reader, dead_fix_job):
    page = text(as_reader.get(f"/fix-jobs/{dead_fix_job.pk}/"))

    assert "Try again" not in page
    assert "Cancel the fix job" not in page


def test_a_read_only_member_is_offered_no_task_form(as_reader, project):
    page = text(as_reader.get("/tasks/"))

    assert "Give the agent a task" not in page
    assert as_reader.get("/tasks/new/").status_code == 403


def test_every_run_action_a_read_only_member_posts_is_refused_and_nothing_is_sent(as_reader, running, api):  # noqa: F811
    job = running.jobs.get()
    posts = [
        (f"/runs/{running.pk}/rerun/", {"scope": "failed"}),
        (f"/runs/{running.pk}/rerun/", {"scope": "job", "job": job.pk}),
        (f"/runs/{running.pk}/cancel/", {}),
        (f"/runs/{running.pk}/respond/", {}),
        (f"/projects/{running.project_id}/trigger/", {"workflow": "ci.yml"}),
    ]

    answers = [as_reader.post(path, {**form, **CONFIRMED}).status_code for path, form in posts]

    assert answers == [403] * len(posts)
    assert not api.calls
    assert not Action.objects.exists()


def test_the_trigger_form_is_refused_to_a_read_only_member(as_reader, project):
    assert as_reader.get(f"/projects/{project.pk}/trigger/").status_code == 403


def test_quarantine_steps_posted_by_a_read_only_member_are_refused(as_reader, project, owner):
    wobbly, other = make_test(project, "test_wobbly"), make_test(project, "test_other")
    quarantine.quarantine(other, reason="times out", user=owner)

    answers = [
        as_reader.post(f"/tests/{wobbly.pk}/quarantine/", {"reason": "x", **CONFIRMED}).status_code,
        as_reader.post(f"/tests/{other.pk}/unquarantine/", CONFIRMED).status_code,
        as_reader.post(f"/tests/{wobbly.pk}/mark-fixed/", CONFIRMED).status_code,
    ]

    assert answers == [403, 403, 403]
    assert list(QuarantineEntry.objects.values_list("test__name", "removed_at")) == [("test_other", None)]


def test_fix_job_steps_posted_by_a_read_only_member_are_refused(as_reader, dead_fix_job):
    answers = [as_reader.post(f"/fix-jobs/{dead_fix_job.pk}/{step}/", CONFIRMED).status_code
               for step in ("retry", "cancel")]  # fmt: skip

    dead_fix_job.refresh_from_db()
    assert answers == [403, 403]
    assert dead_fix_job.state == FixState.DEAD


def test_the_refusal_page_says_why_and_what_to_do(as_reader, running):
    response = as_reader.post(f"/runs/{running.pk}/cancel/", CONFIRMED)

    assert response.status_code == 403
    assert "<h1>Not allowed</h1>" in text(response)
    assert (
        "You are a read-only member of acme/widgets: you may not re-run or cancel its runs; "
        "ask one of its owners to make you a member." in text(response)
    )
