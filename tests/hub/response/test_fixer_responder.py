"""The fixer responder, from a signed webhook to GitHub's workflow_dispatch: a completed red run whose
failures are all of categories route.fixer lists dispatches the repository's fix workflow exactly once,
with the run, the fix job and the hub as inputs; anything else dispatches nothing; a run from a fork's
pull request is refused with its reason on the fix job."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import pytest
from django.conf import settings

from hub.response.models import EffectState, FixJob, FixState
from hub.response.policy import store
from tests.agent.fix.publish_fakes import github_pull
from tests.hub.response.conftest import completed
from tests.hub.response.fake_fixer import (
    DISPATCH,
    FIX_RUN,
    REPO,
    ROUTED,
    dispatches,
    fake_dispatch,
    red_import_run,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def routed(octo):
    store.save(octo, ROUTED)
    return octo


def test_a_red_run_failing_only_on_a_routed_category_dispatches_the_fix_workflow(
    routed, octo_agent, sender, run_tasks, api
):
    run = red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)

    sender.github("workflow_run", completed("failure"))

    job = FixJob.objects.get(responder="fixer")
    [sent] = dispatches(api)
    assert sent["ref"] == run.branch == "main"  # the failed run's branch
    assert sent["inputs"] == {"run": str(run.pk), "fix_job": str(job.pk), "hub_url": settings.SITE_URL}
    assert job.state == FixState.AWAITING_VERIFICATION
    assert f"orchestrate/fix-{job.pk}" in job.events.last().reason
    effect = job.effects.get()
    assert (effect.key, effect.state, effect.external_id) == (
        f"fixer:dispatch:{job.pk}",
        EffectState.DONE,
        str(FIX_RUN),
    )


def test_the_same_red_run_delivered_again_dispatches_nothing_more(routed, octo_agent, sender, run_tasks, api):
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)

    sender.github("workflow_run", completed("failure"))
    sender.github("workflow_run", completed("failure"))

    assert len(dispatches(api)) == 1
    assert FixJob.objects.filter(responder="fixer").count() == 1


def test_the_policys_ref_and_inputs_go_with_the_dispatch(octo, octo_agent, sender, run_tasks, api):
    store.save(octo, {**ROUTED, "fixer": {"ref": "release", "inputs": {"python": "3.12"}}})
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)

    sender.github("workflow_run", completed("failure"))

    [sent] = dispatches(api)
    assert sent["ref"] == "release"
    assert sent["inputs"]["python"] == "3.12"


def test_by_default_the_policy_routes_nothing_and_nothing_is_dispatched(
    octo, octo_agent, sender, run_tasks, api
):
    store.save(octo, {"rerun": {"enabled": False}})
    red_import_run(octo_agent, run_tasks)

    sender.github("workflow_run", completed("failure"))

    assert not FixJob.objects.filter(responder="fixer").exists()
    assert dispatches(api) == []


def test_a_failure_of_a_category_not_routed_keeps_the_whole_run_from_the_fixer(
    routed, octo_agent, sender, run_tasks, api
):
    red_import_run(octo_agent, run_tasks, also_failing="test_sums")

    sender.github("workflow_run", completed("failure"))

    assert not FixJob.objects.filter(responder="fixer").exists()
    assert dispatches(api) == []


def test_a_run_from_a_forks_pull_request_is_refused_with_the_reason(
    routed, octo_agent, sender, run_tasks, api
):
    red_import_run(octo_agent, run_tasks)
    api.get(f"{REPO}/pulls/7", json=github_pull(7, "patch-1", "master", fork=True))
    payload = completed("failure")
    payload["workflow_run"].update(
        event="pull_request", pull_requests=[{"number": 7, "base": {"ref": "master"}}]
    )

    sender.github("workflow_run", payload)

    job = FixJob.objects.get(responder="fixer")
    assert job.state == FixState.FAILED
    assert "pull request of a fork" in job.events.last().reason
    assert dispatches(api) == []


def test_a_pull_request_run_whose_pull_request_github_does_not_name_is_refused(
    routed, octo_agent, sender, run_tasks, api
):
    """GitHub leaves a fork's pull request out of ``workflow_run.pull_requests``: unknown is refused."""
    red_import_run(octo_agent, run_tasks)
    payload = completed("failure")
    payload["workflow_run"].update(event="pull_request", pull_requests=[])

    sender.github("workflow_run", payload)

    job = FixJob.objects.get(responder="fixer")
    assert job.state == FixState.FAILED
    assert "cannot show is not from a fork" in job.events.last().reason
    assert dispatches(api) == []


def test_a_pull_request_of_the_repository_itself_is_fixed(routed, octo_agent, sender, run_tasks, api):
    red_import_run(octo_agent, run_tasks)
    api.get(f"{REPO}/pulls/7", json=github_pull(7, "feature", "master"))
    fake_dispatch(api)
    payload = completed("failure")
    payload["workflow_run"].update(
        event="pull_request", pull_requests=[{"number": 7, "base": {"ref": "master"}}]
    )

    sender.github("workflow_run", payload)

    assert FixJob.objects.get(responder="fixer").state == FixState.AWAITING_VERIFICATION
    assert len(dispatches(api)) == 1


def test_a_workflow_github_does_not_have_fails_the_job_with_githubs_answer(
    routed, octo_agent, sender, run_tasks, api
):
    red_import_run(octo_agent, run_tasks)
    api.post(DISPATCH, status=404, json={"message": "Not Found"})

    sender.github("workflow_run", completed("failure"))

    job = FixJob.objects.get(responder="fixer")
    assert job.state == FixState.FAILED
    assert "orchestrate-fix.yml" in job.events.last().reason
    assert job.effects.get().state == EffectState.FAILED


def test_the_daily_limit_holds_further_fixes_back(octo, octo_agent, sender, run_tasks, api):
    store.save(octo, {**ROUTED, "fixer": {"max_per_day": 0}})
    red_import_run(octo_agent, run_tasks)

    sender.github("workflow_run", completed("failure"))

    assert not FixJob.objects.filter(responder="fixer").exists()
