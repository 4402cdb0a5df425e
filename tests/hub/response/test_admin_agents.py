"""Admin for the coding-agent hand-off: the agent connection's secret stored encrypted and never shown,
a bad prompt template refused naming its placeholder, a hand-off approved, tasks listed with progress."""

from __future__ import annotations

import pytest

from hub.response.agents.models import AgentConnection, Task
from hub.response.models import FixJob, FixState
from hub.response.policy import store
from hub.response.services import fix_jobs

pytestmark = pytest.mark.django_db
SECRET = "cg_admin_secret_0123456789"


def test_the_connections_secret_is_stored_encrypted_and_never_shown(admin_client, project):
    response = admin_client.post(
        "/admin/response/agentconnection/add/",
        {"project": project.pk, "api_url": "", "prompt_template": "", "secret": SECRET},
    )

    assert response.status_code == 302, response.content
    connection = AgentConnection.objects.get()
    assert connection.secret() == SECRET
    assert SECRET not in connection.secret_encrypted
    page = admin_client.get(f"/admin/response/agentconnection/{connection.pk}/change/").content.decode()
    assert SECRET not in page


def test_a_template_with_an_unknown_placeholder_is_refused_naming_it(admin_client, project):
    response = admin_client.post(
        "/admin/response/agentconnection/add/",
        {"project": project.pk, "api_url": "", "prompt_template": "Fix $project with $token", "secret": ""},
    )

    assert response.status_code == 200
    assert "unknown placeholder $token" in response.content.decode()
    assert not AgentConnection.objects.exists()


def test_an_operator_approves_a_hand_off(admin_client, project, django_capture_on_commit_callbacks):
    job = FixJob.objects.create(project=project, responder="coding_agent", key="agent:run:9:1", reason="r")
    fix_jobs.transition(job, FixState.RUNNING, "taken by a worker", attempts=1)
    fix_jobs.transition(job, FixState.AWAITING_APPROVAL, "waits for a maintainer's approval")

    with django_capture_on_commit_callbacks(execute=False):
        admin_client.post("/admin/response/fixjob/", {"action": "approve", "_selected_action": [job.pk]})

    job.refresh_from_db()
    assert job.state == FixState.PENDING
    assert job.events.last().detail == {"approved": True}


def test_a_task_is_listed_with_its_state(admin_client, project, django_capture_on_commit_callbacks):
    store.save(project, {"agent": {"adapter": "http"}})
    from hub.response.services import agent_tasks

    with django_capture_on_commit_callbacks(execute=False):
        task = agent_tasks.create(project, {"title": "Speed up the suite", "description": "Halve it."}, None)

    page = admin_client.get(f"/admin/response/task/{task.pk}/change/").content.decode()
    assert "Speed up the suite" in page
    assert "pending" in page
    assert Task.objects.get().fix_job.key == f"agent:task:{task.pk}"
