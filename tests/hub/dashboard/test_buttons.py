"""The dashboard's buttons: each asks for confirmation first, goes to the CI through the operations
services (GitHub faked at the HTTP boundary), leaves the audit those services keep, and says what
happened; a POST from someone the API's rule does not allow is a 403 and sends nothing."""

from __future__ import annotations

import json

import pytest

from hub.flaky.models import QuarantineEntry, TestHealth
from hub.operations.models import Action
from hub.response.models import FixJob, FixState, Responder
from hub.response.services import fix_jobs
from tests.hub.api.factories import make_job, make_run, make_test
from tests.hub.operations.conftest import api, github_jobs, github_run, repo_url, with_token  # noqa: F401

pytestmark = pytest.mark.django_db

CONFIRMED = {"confirm": "yes"}


@pytest.fixture
def stuck(with_token):  # noqa: F811
    return make_run(with_token, provider_run_id="30433642", status="in_progress", conclusion="")


@pytest.fixture
def as_member(client, teammate):
    client.force_login(teammate)
    return client


@pytest.fixture
def as_owner(client, owner):
    client.force_login(owner)
    return client


def text(response) -> str:
    return response.content.decode()


def test_a_button_first_asks_for_confirmation_and_sends_nothing(as_member, stuck, api):  # noqa: F811
    response = as_member.post(f"/runs/{stuck.pk}/rerun/", {"scope": "failed"})

    assert response.status_code == 200
    assert "Re-run the failed jobs of this run at the CI?" in text(response)
    assert '<input type="hidden" name="scope" value="failed">' in text(response)
    assert '<input type="hidden" name="confirm" value="yes">' in text(response)
    assert not api.calls
    assert not Action.objects.exists()


def test_confirmed_re_run_of_failed_jobs_reaches_the_ci_is_audited_and_said(as_member, stuck, teammate, api):  # noqa: F811
    api.post(repo_url(stuck.project, "/actions/runs/30433642/rerun-failed-jobs"), status=201)
    api.get(repo_url(stuck.project, "/actions/runs/30433642"), json=github_run(30433642, run_attempt=2))

    response = as_member.post(f"/runs/{stuck.pk}/rerun/", {"scope": "failed", **CONFIRMED}, follow=True)

    action = Action.objects.get()
    assert (action.kind, action.via, action.user, action.outcome) == (
        "rerun_failed",
        "web",
        teammate,
        "succeeded",
    )
    assert response.redirect_chain[-1][0] == f"/runs/{stuck.pk}/"
    assert "Done: re-run of the failed jobs requested; run 30433642 attempt 2 is queued." in text(response)


def test_re_running_one_job_sends_its_provider_id(as_member, stuck, api):  # noqa: F811
    job = make_job(stuck, "lint", provider_job_id="399444496")
    api.post(repo_url(stuck.project, "/actions/jobs/399444496/rerun"), status=201)
    api.get(repo_url(stuck.project, "/actions/runs/30433642"), json=github_run(30433642))

    as_member.post(f"/runs/{stuck.pk}/rerun/", {"scope": "job", "job": job.pk, **CONFIRMED})

    assert Action.objects.get().kind == "rerun_job"
    assert api.calls[0].request.url.endswith("/actions/jobs/399444496/rerun")


def test_a_re_run_of_an_unknown_scope_is_refused_with_the_choices(as_member, stuck, api):  # noqa: F811
    response = as_member.post(f"/runs/{stuck.pk}/rerun/", {"scope": "everything", **CONFIRMED})

    assert response.status_code == 400
    assert b"scope=failed, all or job" in response.content
    assert not api.calls


def test_cancel_reaches_the_ci(as_member, stuck, api):  # noqa: F811
    api.post(repo_url(stuck.project, "/actions/runs/30433642/cancel"), status=202, json={})

    as_member.post(f"/runs/{stuck.pk}/cancel/", CONFIRMED)

    assert Action.objects.get().kind == "cancel"
    assert len(api.calls) == 1


def test_a_ci_refusal_is_shown_with_its_hint(as_member, stuck, api):  # noqa: F811
    api.post(
        repo_url(stuck.project, "/actions/runs/30433642/cancel"),
        status=403,
        json={"message": "Resource not accessible by integration"},
    )

    page = text(as_member.post(f"/runs/{stuck.pk}/cancel/", CONFIRMED, follow=True))

    assert "The CI refused: " in page
    assert "Resource not accessible" in page
    assert Action.objects.get().outcome == "failed"


def test_trigger_sends_the_workflow_ref_and_inputs(as_member, with_token, api):  # noqa: F811
    api.post(
        repo_url(with_token, "/actions/workflows/ci.yml/dispatches"),
        json={"workflow_run_id": 30433642, "run_url": "", "html_url": ""},
    )
    api.get(repo_url(with_token, "/actions/runs/30433642"), json=github_run(30433642))
    api.get(repo_url(with_token, "/actions/runs/30433642/jobs"), json=github_jobs(30433642))
    form = {"workflow": "ci.yml", "ref": "release", "inputs": "debug=true\n\nlevel = 3\n", **CONFIRMED}

    response = as_member.post(f"/projects/{with_token.pk}/trigger/", form, follow=True)

    sent = json.loads(api.calls[0].request.body)
    assert sent["ref"] == "release"
    assert sent["inputs"] == {"debug": "true", "level": "3"}
    assert "Done: started run 30433642 of ci.yml on release." in text(response)
    assert Action.objects.get().via == "web"


def test_trigger_inputs_that_are_not_name_value_are_refused_with_what_to_write(as_member, with_token, api):  # noqa: F811
    response = as_member.post(
        f"/projects/{with_token.pk}/trigger/", {"workflow": "ci.yml", "inputs": "debug"}
    )

    assert response.status_code == 400
    assert "Line 1 of the inputs is not name=value" in text(response)
    assert not api.calls


def test_the_trigger_form_is_prefilled_from_the_run(as_member, stuck):
    page = text(as_member.get(f"/runs/{stuck.pk}/"))

    assert f'href="/projects/{stuck.project_id}/trigger/?workflow=' in page


def test_quarantine_unquarantine_and_mark_fixed_go_through_the_quarantine_service(
    as_member, project, teammate
):
    test = make_test(project, "test_wobbly")

    as_member.post(f"/tests/{test.pk}/quarantine/", {"reason": "times out", "owner": "payments", **CONFIRMED})
    entry = QuarantineEntry.objects.get(test=test)
    assert (entry.reason, entry.owner, entry.created_by, entry.removed_at) == (
        "times out",
        "payments",
        teammate,
        None,
    )

    as_member.post(f"/tests/{test.pk}/unquarantine/", {"reason": "pool fixed", **CONFIRMED})
    entry.refresh_from_db()
    assert entry.removed_by == teammate

    as_member.post(f"/tests/{test.pk}/mark-fixed/", {"reason": "pool sized", **CONFIRMED})
    assert TestHealth.objects.get(test=test).state == "fixed"


def test_a_quarantine_without_a_reason_is_refused_before_confirmation(as_member, project):
    test = make_test(project, "test_wobbly")

    page = text(as_member.post(f"/tests/{test.pk}/quarantine/", {"reason": " "}, follow=True))

    assert "A quarantine needs a reason" in page
    assert not QuarantineEntry.objects.exists()


@pytest.fixture
def dead_fix_job(project):
    run = make_run(project, conclusion="failure")
    job = fix_jobs.open_job(project.pk, Responder.RERUN, f"rerun:{run.pk}:1", "flaky", run=run)
    FixJob.objects.filter(pk=job.pk).update(state=FixState.DEAD)
    return FixJob.objects.get(pk=job.pk)


def test_a_dead_fix_job_is_tried_again_and_its_timeline_names_who(as_member, dead_fix_job):
    as_member.post(f"/fix-jobs/{dead_fix_job.pk}/retry/", CONFIRMED)

    dead_fix_job.refresh_from_db()
    moved = dead_fix_job.events.filter(reason="tom asked to try again").get()
    assert (moved.from_state, moved.to_state) == (FixState.DEAD, FixState.PENDING)


def test_a_fix_job_is_cancelled(as_member, dead_fix_job):
    page = text(as_member.post(f"/fix-jobs/{dead_fix_job.pk}/cancel/", CONFIRMED, follow=True))

    dead_fix_job.refresh_from_db()
    assert dead_fix_job.state == FixState.CANCELLED
    assert "Cancelled." in page


def test_a_finished_fix_job_cannot_be_cancelled_and_the_page_says_why(as_member, dead_fix_job):
    FixJob.objects.filter(pk=dead_fix_job.pk).update(state=FixState.SUCCEEDED)

    page = text(as_member.post(f"/fix-jobs/{dead_fix_job.pk}/cancel/", CONFIRMED, follow=True))

    assert "a running or finished fix job cannot be cancelled" in page


def test_respond_now_is_for_owners_only(as_member, project, api):  # noqa: F811
    run = make_run(project, conclusion="failure")

    page = text(as_member.get(f"/runs/{run.pk}/"))
    response = as_member.post(f"/runs/{run.pk}/respond/", CONFIRMED)

    assert "Respond now" not in page
    assert response.status_code == 403
    assert not Action.objects.exists()


def test_an_owner_responds_now_and_the_action_is_audited(as_owner, owner, project):
    run = make_run(project, conclusion="failure")

    page = text(as_owner.post(f"/runs/{run.pk}/respond/", CONFIRMED, follow=True))

    action = Action.objects.get()
    assert (action.kind, action.via, action.user) == ("respond", "web", owner)
    assert f"Done: {action.message}." in page


def test_another_teams_objects_answer_404_to_a_post_and_nothing_is_sent(client, outsider, stuck, api):  # noqa: F811
    client.force_login(outsider)
    test = make_test(stuck.project, "test_x")

    answers = [
        client.post(f"/runs/{stuck.pk}/rerun/", CONFIRMED).status_code,
        client.post(f"/runs/{stuck.pk}/cancel/", CONFIRMED).status_code,
        client.post(
            f"/projects/{stuck.project_id}/trigger/", {"workflow": "ci.yml", **CONFIRMED}
        ).status_code,
        client.post(f"/tests/{test.pk}/quarantine/", {"reason": "x", **CONFIRMED}).status_code,
    ]

    assert answers == [404, 404, 404, 404]
    assert not api.calls


def test_a_post_without_the_csrf_token_is_refused(teammate, stuck, api):  # noqa: F811
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(teammate)

    assert client.post(f"/runs/{stuck.pk}/cancel/", CONFIRMED).status_code == 403
    assert not api.calls


def test_the_buttons_are_shown_to_members(as_member, stuck):
    page = text(as_member.get(f"/runs/{stuck.pk}/"))

    assert "Re-run failed jobs" in page
    assert "Cancel the run" in page
