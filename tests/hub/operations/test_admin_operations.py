"""Operators' actions in admin: re-run failed jobs and cancel on runs, trigger (with a form) on projects;
each goes to the CI through the project's client, says what the provider answered, and is recorded."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from hub.operations.models import Action, JobLog, RunCheck
from tests.hub.api.factories import make_job, make_run
from tests.hub.operations.conftest import github_jobs, github_run, repo_url

pytestmark = pytest.mark.django_db

RUNS = "admin:runs_run_changelist"
PROJECTS = "admin:projects_project_changelist"


def run_action(client: Client, changelist: str, action: str, *objects, **data):
    return client.post(
        reverse(changelist),
        {"action": action, "_selected_action": [obj.pk for obj in objects], **data},
        follow=True,
    )


def shown(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def stuck(with_token):
    return make_run(with_token, provider_run_id="30433642", status="in_progress", conclusion="")


def test_re_running_failed_jobs_from_admin_asks_the_provider_and_says_so(
    admin_client, admin_user, stuck, api
):
    api.post(repo_url(stuck.project, "/actions/runs/30433642/rerun-failed-jobs"), status=201)
    api.get(repo_url(stuck.project, "/actions/runs/30433642"), json=github_run(30433642, run_attempt=2))

    response = run_action(admin_client, RUNS, "rerun_failed_jobs", stuck)

    assert any("run 30433642 attempt 2 is queued" in message for message in shown(response))
    action = Action.objects.get()
    assert (action.kind, action.via, action.user, action.outcome) == (
        "rerun_failed",
        "admin",
        admin_user,
        "succeeded",
    )


def test_cancelling_from_admin_shows_the_providers_error_with_its_hint(admin_client, stuck, api):
    api.post(
        repo_url(stuck.project, "/actions/runs/30433642/cancel"),
        status=409,
        json={"message": "Cannot cancel a workflow run that is completed."},
    )

    response = run_action(admin_client, RUNS, "cancel_runs", stuck)

    [message] = shown(response)
    assert "Cannot cancel a workflow run that is completed" in message
    assert Action.objects.get().outcome == "failed"


def test_triggering_from_admin_asks_for_workflow_ref_and_inputs_first(admin_client, with_token, api):
    response = run_action(admin_client, PROJECTS, "trigger_workflow", with_token)

    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"workflow", "ref", "inputs"}
    assert not api.calls
    assert not Action.objects.exists()


def test_the_trigger_form_sends_the_workflow_with_its_inputs(admin_client, with_token, api):
    api.post(
        repo_url(with_token, "/actions/workflows/deploy.yml/dispatches"),
        json={"workflow_run_id": 30433642, "run_url": "", "html_url": ""},
    )
    api.get(repo_url(with_token, "/actions/runs/30433642"), json=github_run(30433642))
    api.get(repo_url(with_token, "/actions/runs/30433642/jobs"), json=github_jobs(30433642))

    response = run_action(
        admin_client,
        PROJECTS,
        "trigger_workflow",
        with_token,
        apply="1",
        workflow="deploy.yml",
        ref="",
        inputs="environment=staging\n\ndry_run = true",
    )

    assert json.loads(api.calls[0].request.body) == {
        "ref": "main",
        "inputs": {"environment": "staging", "dry_run": "true"},
        "return_run_details": True,
    }
    assert any("started run 30433642" in message for message in shown(response))
    assert Action.objects.get().via == "admin"


def test_a_malformed_input_line_is_shown_on_the_form(admin_client, with_token, api):
    response = run_action(
        admin_client, PROJECTS, "trigger_workflow", with_token, apply="1", workflow="ci.yml", inputs="novalue"
    )

    assert "Line 1: write key=value." in response.context["form"].errors["inputs"]
    assert not api.calls


def test_staff_without_the_permission_do_not_get_the_actions(stuck):
    staff = get_user_model().objects.create_user("sid", password="pw-sid-123", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_run"))
    client = Client()
    client.force_login(staff)

    response = client.get(reverse(RUNS))

    assert response.status_code == 200
    assert "rerun_failed_jobs" not in response.content.decode()
    assert "cancel_runs" not in response.content.decode()


def test_staff_with_the_permission_get_the_actions(stuck):
    staff = get_user_model().objects.create_user("sid", password="pw-sid-123", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_run"), Permission.objects.get(codename="add_action")
    )
    client = Client()
    client.force_login(staff)

    response = client.get(reverse(RUNS))

    choices = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert {"rerun_failed_jobs", "cancel_runs"} <= set(choices)


def test_a_stored_log_is_readable_in_admin(admin_client, stuck):
    job = make_job(stuck, "lint", status="completed", conclusion="failure")
    log = JobLog.objects.create(
        job=job, state="stored", content=JobLog.compress(b"ERROR: ResolutionImpossible")
    )

    response = admin_client.get(reverse("admin:operations_joblog_change", args=[log.pk]))

    assert "ERROR: ResolutionImpossible" in response.content.decode()


def test_a_runs_reconciliation_error_is_listed_in_admin(admin_client, stuck):
    RunCheck.objects.create(run=stuck, checks=2, error="GitHub has nothing at ... (404)")

    response = admin_client.get(reverse("admin:operations_runcheck_changelist"))

    assert "GitHub has nothing at ... (404)" in response.content.decode()
