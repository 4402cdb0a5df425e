"""The task form and pages: an owner gives the project's coding agent a task through the service the API
uses (the fake Codegen on loopback answers), members read it with its state, current step, pull request
and validation; only owners see and press the form and the retry and cancel buttons."""

from __future__ import annotations

import pytest

from hub.projects.models import Membership, Project
from hub.response.agents.models import Task
from hub.response.models import FixState
from hub.response.services import pipeline
from hub.runs.models import Run
from tests.hub.response.conftest import (  # noqa: F401 (fixtures)
    agent_fixtures,
    api,
    codegen,
    connected,
    octo,
    run_tasks,
    sender,
)
from tests.hub.response.fake_agents import Plan

pytestmark = pytest.mark.django_db

member, poll_later, route = agent_fixtures.member, agent_fixtures.poll_later, agent_fixtures.route
PULL = {"id": 90, "title": "Add retries", "url": "https://github.com/octo-org/octo-repo/pull/90",
        "head_branch_name": "codegen-bot/retries", "created_at": "2026-12-07T16:30:00Z"}  # fmt: skip
FORM = {
    "title": "Retry uploads on 503",
    "description": "The uploader gives up on the first 503.\nIt should retry with backoff.",
    "requirements": "Keep the public API.",
    "acceptance_criteria": "A test shows two 503s then a 201 succeed.",
    "priority": "high",
}
CONFIRMED = {"confirm": "yes"}


@pytest.fixture
def otto(octo):  # noqa: F811
    return member(octo, "otto", "owner")


@pytest.fixture
def tina(octo):  # noqa: F811
    return member(octo, "tina", "member")


def as_user(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    return response.content.decode()


def test_sending_the_form_first_asks_for_confirmation_and_makes_nothing(client, connected, otto, codegen):  # noqa: F811
    page = text(as_user(client, otto).post("/tasks/new/", {"project": connected.pk, **FORM}))

    assert "Give octo-org/octo-repo&#x27;s coding agent the task “Retry uploads on 503”?" in page
    assert '<input type="hidden" name="confirm" value="yes">' in page
    assert not Task.objects.exists()


def test_a_sent_task_shows_its_pull_request_and_validation(client, connected, otto, tina, codegen, run_tasks):  # noqa: F811
    codegen.plans = [Plan("COMPLETE", [PULL])]
    with run_tasks():
        sent = as_user(client, otto).post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED})
    task = Task.objects.get()
    assert sent["Location"] == f"/tasks/{task.pk}/"
    assert (task.title, task.priority, task.created_by) == ("Retry uploads on 503", "high", otto)
    assert "A test shows two 503s then a 201 succeed." in codegen.created[0]["prompt"]
    poll_later(61)
    poll_later(200)
    validating = Run.objects.create(project=connected, provider="github", provider_run_id="555",
                                    pull_request=90, status="completed", conclusion="success")  # fmt: skip
    pipeline.run_completed(validating.pk)  # the pull request's CI settles the task (merging is off)

    page = text(as_user(client, tina).get(f"/tasks/{task.pk}/"))

    assert "Succeeded" in page
    assert f'<a href="{PULL["url"]}">{PULL["url"]}</a>' in page
    assert f'href="/runs/{validating.pk}/">CI run of the pull request</a>' in page
    assert "The uploader gives up on the first 503.<br>It should retry with backoff." in page
    assert "<dt>Merge decision</dt><dd>None yet.</dd>" in page
    assert "Try again" not in page  # tina only reads
    assert "Cancel the task" not in page


def test_the_confirmation_message_names_the_task(client, connected, otto):  # noqa: F811
    page = text(as_user(client, otto).post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED},
                                           follow=True))  # fmt: skip

    task = Task.objects.get()
    assert f"Task {task.pk} sent to octo-org/octo-repo&#x27;s coding agent." in page
    assert task.fix_job.state == FixState.PENDING


def test_a_form_without_a_description_is_shown_again_with_what_is_missing(client, connected, otto):  # noqa: F811
    response = as_user(client, otto).post("/tasks/new/", {"project": connected.pk, "title": "Only a title"})

    assert response.status_code == 400
    assert "description: This field is required." in text(response)
    assert 'value="Only a title"' in text(response)
    assert not Task.objects.exists()


def test_a_project_without_an_agent_is_refused_saying_what_to_do(client, octo, otto):  # noqa: F811
    response = as_user(client, otto).post("/tasks/new/", {"project": octo.pk, **FORM, **CONFIRMED})

    assert response.status_code == 409
    assert "set agent.adapter in its policy first" in text(response)
    assert not Task.objects.exists()


def test_a_member_sees_no_form_and_cannot_post_one(client, connected, tina, codegen):  # noqa: F811
    as_user(client, tina)

    assert "Give the agent a task" not in text(client.get("/tasks/"))
    assert client.get("/tasks/new/").status_code == 403
    assert client.post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED}).status_code == 403
    assert not Task.objects.exists()


def test_an_owner_of_one_project_cannot_send_a_task_to_another_it_only_reads(client, connected, tina, otto):  # noqa: F811
    route(connected)
    mine = member_project_owned_by(tina)

    response = as_user(client, tina).post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED})

    assert response.status_code == 403
    assert not Task.objects.filter(project=connected).exists()
    assert mine.full_name in text(client.get("/tasks/new/"))


def member_project_owned_by(user):
    project = Project.objects.create(full_name="tina/sandbox", provider="github")
    Membership.objects.create(project=project, user=user, role=Membership.Role.OWNER)
    return project


def test_a_failed_task_is_tried_again_then_cancelled_by_an_owner(client, connected, otto, codegen, run_tasks):  # noqa: F811
    codegen.plans = [Plan("FAILED"), Plan("COMPLETE", [PULL])]
    route(connected, max_attempts=1)
    as_user(client, otto)
    with run_tasks():
        client.post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED})
    task = Task.objects.get()
    poll_later(61)
    poll_later(200)
    assert "Try again" in text(client.get(f"/tasks/{task.pk}/"))

    with run_tasks():
        retried = text(client.post(f"/tasks/{task.pk}/retry/", CONFIRMED, follow=True))
    assert "Tried again." in retried
    assert len(codegen.created) == 2

    cancelled = text(client.post(f"/tasks/{task.pk}/cancel/", CONFIRMED, follow=True))
    task.fix_job.refresh_from_db()
    assert "Cancelled." in cancelled
    assert task.fix_job.state == FixState.CANCELLED
    again = text(client.post(f"/tasks/{task.pk}/cancel/", CONFIRMED, follow=True))
    assert f"Task {task.pk} is cancelled: a running or finished task cannot be cancelled." in again


def test_a_member_cannot_cancel_a_task(client, connected, otto, tina):  # noqa: F811
    as_user(client, otto).post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED})
    task = Task.objects.get()

    assert as_user(client, tina).post(f"/tasks/{task.pk}/cancel/", CONFIRMED).status_code == 403
    task.fix_job.refresh_from_db()
    assert task.fix_job.state == FixState.PENDING


def test_the_list_shows_each_task_with_its_state_to_members_only(client, connected, otto, tina, outsider):  # noqa: F811
    as_user(client, otto).post("/tasks/new/", {"project": connected.pk, **FORM, **CONFIRMED})

    listed = text(as_user(client, tina).get("/tasks/"))
    assert "Retry uploads on 503" in listed
    assert "Pending" in listed
    assert "Retry uploads on 503" not in text(as_user(client, outsider).get("/tasks/"))
    assert as_user(client, outsider).get(f"/tasks/{Task.objects.get().pk}/").status_code == 404
