"""Every operator page renders for a superuser, and shows what the operator came for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hub.projects.models import AgentToken, ApiToken, Project
from hub.runs.models import Test, TestResult, Upload
from tests.hub.api.factories import make_job, make_result, make_run, make_test

pytestmark = pytest.mark.django_db

CHANGELISTS = [
    "projects_project",
    "projects_agenttoken",
    "projects_apitoken",
    "runs_run",
    "runs_test",
    "runs_testresult",
    "runs_upload",
]


@pytest.mark.parametrize("name", CHANGELISTS)
def test_each_changelist_renders_for_a_superuser(admin_client, failing_run, agent_token, name):
    response = admin_client.get(reverse(f"admin:{name}_changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["projects_agenttoken", "projects_apitoken", "runs_test", "runs_testresult", "runs_upload"]
)
def test_each_change_page_renders_for_a_superuser(admin_client, failing_run, agent_token, admin_user, name):
    ApiToken.issue(user=admin_user)
    model = {
        "projects_agenttoken": AgentToken,
        "projects_apitoken": ApiToken,
        "runs_test": Test,
        "runs_testresult": TestResult,
        "runs_upload": Upload,
    }[name]

    response = admin_client.get(reverse(f"admin:{name}_change", args=[model.objects.first().pk]))

    assert response.status_code == 200


def test_a_project_page_offers_to_create_an_agent_token(admin_client, project):
    response = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))

    assert reverse("admin:projects_project_agent_token", args=[project.pk]).encode() in response.content


def test_a_project_page_lists_its_memberships(admin_client, project, owner):
    response = admin_client.get(reverse("admin:projects_project_change", args=[project.pk]))

    assert b"olivia" in response.content


def test_a_membership_is_made_read_only_on_the_project_page(admin_client, project, teammate):
    from hub.projects.models import Membership

    membership = Membership.objects.get(user=teammate)
    url = reverse("admin:projects_project_change", args=[project.pk])
    form = {
        "full_name": project.full_name, "provider": project.provider, "server_url": "",
        "default_branch": project.default_branch, "settings": "{}",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": str(membership.pk), "memberships-0-project": str(project.pk),
        "memberships-0-user": str(teammate.pk), "memberships-0-role": "read_only",
        "agent_tokens-TOTAL_FORMS": "0", "agent_tokens-INITIAL_FORMS": "0",
        "agent_tokens-MIN_NUM_FORMS": "0", "agent_tokens-MAX_NUM_FORMS": "1000",
    }  # fmt: skip

    response = admin_client.post(url, form)

    assert response.status_code == 302, response.content.decode()[:2000]
    membership.refresh_from_db()
    assert membership.role == Membership.Role.READ_ONLY


def test_a_run_page_shows_its_jobs(admin_client, failing_run):
    response = admin_client.get(reverse("admin:runs_run_change", args=[failing_run.pk]))

    assert b"unit" in response.content
    assert b"lint" in response.content


def test_a_run_page_lists_its_failed_tests_and_not_its_passes(admin_client, failing_run):
    response = admin_client.get(reverse("admin:runs_run_change", args=[failing_run.pk]))

    assert b"test_breaks" in response.content
    assert b"test_crashes" in response.content
    assert b"test_passes" not in response.content


def test_a_run_page_shows_at_most_200_failures(admin_client, project):
    run = make_run(project)
    job = make_job(run)
    for index in range(201):
        make_result(job, make_test(project, f"test_fail_{index:03}"), "failed")

    response = admin_client.get(reverse("admin:runs_run_change", args=[run.pk]))

    assert b"test_fail_199" in response.content
    assert b"test_fail_200" not in response.content


def test_a_test_page_shows_its_last_100_results(admin_client, project):
    test = make_test(project, "test_spins")
    job = make_job(make_run(project, branch="only-in-oldest"))
    make_result(job, test, "failed")
    for minute in range(100):
        make_result(make_job(make_run(project, minutes=minute + 1, branch="recent")), test, "passed")

    response = admin_client.get(reverse("admin:runs_test_change", args=[test.pk]))

    assert response.content.count(b"<td>recent</td>") == 100
    assert b"only-in-oldest" not in response.content


def test_runs_can_be_found_by_commit_sha_prefix(admin_client, failing_run, project):
    make_run(project, commit_sha="0" * 40)

    response = admin_client.get(reverse("admin:runs_run_changelist"), {"q": "f00dfeed"})

    assert list(response.context["cl"].result_list) == [failing_run]


def test_runs_can_be_found_by_the_hubs_run_id(admin_client, failing_run, project):
    make_run(project)

    response = admin_client.get(reverse("admin:runs_run_changelist"), {"q": str(failing_run.pk)})

    assert list(response.context["cl"].result_list) == [failing_run]


def test_runs_can_be_filtered_by_a_recent_branch(admin_client, failing_run, project):
    make_run(project, branch="main")

    response = admin_client.get(reverse("admin:runs_run_changelist"), {"branch": "feature/login"})

    assert list(response.context["cl"].result_list) == [failing_run]


def test_ingested_runs_cannot_be_edited_or_deleted(admin_client, failing_run):
    response = admin_client.get(reverse("admin:runs_run_change", args=[failing_run.pk]))

    assert response.context["has_change_permission"] is False
    assert response.context["has_delete_permission"] is False


def test_the_add_project_page_renders(admin_client):
    assert admin_client.get(reverse("admin:projects_project_add")).status_code == 200


def test_a_project_added_in_the_admin_is_saved(admin_client):
    response = admin_client.post(
        reverse("admin:projects_project_add"),
        {
            "full_name": "acme/new",
            "provider": "github",
            "server_url": "",
            "default_branch": "main",
            "settings": "{}",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "agent_tokens-TOTAL_FORMS": "0",
            "agent_tokens-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302, response.content
    assert Project.objects.filter(full_name="acme/new").exists()
