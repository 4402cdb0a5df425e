"""The generic HTTP adapter: a signed POST to the agent, the agent's signed callback settling the run,
a bad signature refused, a run polled at the status URL the agent returned."""

from __future__ import annotations

import json
import time

import pytest

from hub.response.agents import signing
from hub.response.agents.models import AgentConnection, AgentRun, AgentRunState
from hub.response.models import FixState
from hub.response.policy import store
from tests.hub.response.agent_fixtures import AGENT_SECRET, broken_run, callback, handoff, poll_later

pytestmark = pytest.mark.django_db
PULL = "https://github.com/octo-org/octo-repo/pull/78"


@pytest.fixture
def generic(octo, generic_agent):
    connection = AgentConnection(project=octo, api_url=f"{generic_agent.url}/runs")
    connection.set_secret(AGENT_SECRET)
    connection.save()
    store.save(octo, {"route": {"coding_agent": ["assertion"]}, "agent": {"adapter": "http"}})
    return generic_agent


def test_the_hand_off_is_a_signed_post_with_the_prompt_context_and_callback(
    generic, octo_agent, run_tasks, sender
):
    broken_run(octo_agent, run_tasks, sender)

    ((headers, body),) = generic.received
    sent = json.loads(body)
    run = AgentRun.objects.get()
    assert (
        signing.verify(
            AGENT_SECRET, headers["X-Orchestrate-Timestamp"], headers["X-Orchestrate-Signature"], body
        )
        is None
    )
    assert headers["Idempotency-Key"] == f"agent:{handoff().pk}:1"
    assert sent["callback_url"].endswith(f"/api/v1/agent-runs/{run.pk}/callback")
    assert "test_total" in sent["prompt"]
    assert sent["run"]["provider_run_id"] == "289782451"
    assert (run.external_id, handoff().state) == ("oh-1", FixState.AWAITING_VERIFICATION)


def test_a_signed_callback_links_the_pull_request_whose_ci_the_job_then_awaits(
    generic, octo_agent, run_tasks, sender, client
):
    broken_run(octo_agent, run_tasks, sender)
    run = AgentRun.objects.get()

    response = callback(client, run, {"id": "oh-1", "status": "COMPLETED", "pull_request_url": PULL})

    assert response.status_code == 200, response.content
    assert response.json()["pull_request_url"] == PULL
    assert handoff().state == FixState.AWAITING_VERIFICATION
    assert handoff().effects.get(key=f"agent:pull_request:{handoff().pk}").external_id == "78"


def test_a_callback_with_a_bad_signature_is_refused_and_changes_nothing(
    generic, octo_agent, run_tasks, sender, client
):
    broken_run(octo_agent, run_tasks, sender)
    run = AgentRun.objects.get()

    response = callback(client, run, {"id": "oh-1", "status": "completed", "pull_request_url": PULL}, "wrong")

    assert response.status_code == 401
    assert "does not match" in response.json()["error"]["message"]
    run.refresh_from_db()
    assert (run.state, handoff().state) == (AgentRunState.RUNNING, FixState.AWAITING_VERIFICATION)


def test_a_replayed_callback_older_than_the_tolerance_is_refused(
    generic, octo_agent, run_tasks, sender, client
):
    broken_run(octo_agent, run_tasks, sender)
    run = AgentRun.objects.get()
    data = json.dumps({"id": "oh-1", "status": "completed"}).encode()
    old = signing.headers(AGENT_SECRET, data, now=time.time() - 3600)

    response = client.post(f"/api/v1/agent-runs/{run.pk}/callback", data, content_type="application/json",
                           HTTP_X_ORCHESTRATE_TIMESTAMP=old["X-Orchestrate-Timestamp"],
                           HTTP_X_ORCHESTRATE_SIGNATURE=old["X-Orchestrate-Signature"])  # fmt: skip

    assert response.status_code == 401


def test_an_agent_that_gave_a_status_url_is_polled_there(generic, octo_agent, run_tasks, sender):
    broken_run(octo_agent, run_tasks, sender)
    AgentRun.objects.update(status_url=f"{generic.url}/runs/oh-1")
    generic.status, generic.pull_request_url = "succeeded", PULL

    poll_later(61)

    assert AgentRun.objects.get().pull_request_url == PULL
    assert handoff().state == FixState.AWAITING_VERIFICATION


def test_a_repeated_start_after_a_crash_gets_the_same_run_through_its_idempotency_key(
    generic, octo_agent, run_tasks, sender
):
    from hub.response.models import Effect, EffectState, FixJob
    from tests.hub.response.agent_fixtures import perform_when_due

    broken_run(octo_agent, run_tasks, sender)
    job = handoff()
    Effect.objects.update(state=EffectState.UNKNOWN, external_id="")
    AgentRun.objects.update(external_id="")
    FixJob.objects.filter(pk=job.pk).update(state=FixState.PENDING)

    perform_when_due(job)

    assert len(generic.runs) == 1
    assert AgentRun.objects.get().external_id == "oh-1"
