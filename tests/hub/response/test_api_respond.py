"""``POST /api/v1/runs/{id}/respond``: an owner asks the hub to respond to a completed run now; the
pipeline's own decision opens the fix job once, asking again answers with it, and every request is
audited. Members read but may not ask; another team's run is a 404."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hub.operations.models import Action, ActionKind
from hub.projects.models import Membership
from hub.response.models import FixJob, FixState
from hub.response.policy import store
from hub.runs.models import Run
from tests.hub.response.conftest import FLAKY, completed, fake_rerun, learn_flaky, red_run, rerun_requests

pytestmark = pytest.mark.django_db


def person(project, name: str, role: str):
    user = get_user_model().objects.create_user(name, password=f"pw-{name}-123")
    Membership.objects.create(project=project, user=user, role=role)
    return user


@pytest.fixture
def octo_owner(octo):
    return person(octo, "olga", Membership.Role.OWNER)


@pytest.fixture
def completed_while_off(octo, octo_agent, sender, run_tasks) -> Run:
    """The corpus's red run, failing only on a known flaky test, completed while re-runs were off; then
    the owners turned them back on, so the policy would now re-run it."""
    learn_flaky(octo_agent, run_tasks)
    run = red_run(octo_agent, run_tasks, FLAKY)
    store.save(octo, {"rerun": {"enabled": False}})
    sender.github("workflow_run", completed("failure"))
    store.save(octo, {})
    assert not FixJob.objects.exists()
    run.refresh_from_db()
    return run


def respond(client, run: Run):
    return client.post(f"/api/v1/runs/{run.pk}/respond")


def test_an_owner_asking_opens_the_fix_job_the_policy_decides_and_it_runs(
    completed_while_off, octo_owner, client_for, api, run_tasks
):
    fake_rerun(api)

    with run_tasks():
        response = respond(client_for(octo_owner, read_only=False), completed_while_off)

    assert response.status_code == 200, response.content
    body = response.json()
    job = FixJob.objects.get()
    assert body["opened"] == [job.pk]
    assert [(j["id"], j["responder"]) for j in body["fix_jobs"]] == [(job.pk, "rerun")]
    assert job.state == FixState.AWAITING_VERIFICATION
    assert rerun_requests(api) == 1


def test_asking_again_opens_nothing_new_and_answers_with_the_job_already_open(
    completed_while_off, octo_owner, client_for, api, run_tasks
):
    fake_rerun(api)
    client = client_for(octo_owner, read_only=False)
    with run_tasks():
        first = respond(client, completed_while_off).json()

    again = respond(client, completed_while_off).json()

    assert again["opened"] == []
    assert [j["id"] for j in again["fix_jobs"]] == first["opened"]
    assert FixJob.objects.count() == 1
    assert rerun_requests(api) == 1


def test_each_request_leaves_an_audit_row_naming_who_asked_and_the_jobs(
    completed_while_off, octo_owner, client_for, api, run_tasks
):
    fake_rerun(api)
    with run_tasks():
        body = respond(client_for(octo_owner, read_only=False), completed_while_off).json()

    action = Action.objects.get(kind=ActionKind.RESPOND)
    assert (action.actor, action.via, action.run_id) == ("olga", "api", completed_while_off.pk)
    assert action.parameters == {"fix_jobs": body["opened"], "opened": body["opened"]}
    assert body["action"] == action.pk


def test_a_run_the_policy_does_not_act_on_answers_with_no_fix_jobs(
    octo, octo_agent, sender, run_tasks, octo_owner, client_for
):
    run = red_run(octo_agent, run_tasks, "test_really_broken")
    sender.github("workflow_run", completed("failure"))

    response = respond(client_for(octo_owner, read_only=False), run)

    assert response.status_code == 200
    assert (response.json()["fix_jobs"], response.json()["message"]) == (
        [],
        "the policy opened no fix job for this run",
    )


def test_a_run_still_in_progress_is_refused_with_what_to_do(octo_agent, run_tasks, octo_owner, client_for):
    run = red_run(octo_agent, run_tasks, FLAKY)
    Run.objects.filter(pk=run.pk).update(status="in_progress")

    response = respond(client_for(octo_owner, read_only=False), run)

    assert response.status_code == 409
    assert "ask again when it completes" in response.json()["error"]["message"]
    assert not Action.objects.exists()


def test_a_member_may_not_ask_and_is_told_to_ask_an_owner(completed_while_off, octo, client_for):
    member = person(octo, "mia", Membership.Role.MEMBER)

    response = respond(client_for(member, read_only=False), completed_while_off)

    assert response.status_code == 403
    assert "ask one" in response.json()["error"]["message"]
    assert not FixJob.objects.exists()


def test_a_read_only_token_of_an_owner_may_not_ask(completed_while_off, octo_owner, client_for):
    assert respond(client_for(octo_owner), completed_while_off).status_code == 403


def test_another_teams_run_is_not_found(completed_while_off, outsider, client_for):
    assert respond(client_for(outsider, read_only=False), completed_while_off).status_code == 404
