"""Approvals as a merge fact, read from GitHub's reviews of the fix's pull request (faked at the HTTP
boundary): each reviewer's latest deciding review counts, and only when the policy asks for approvals."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

from hub.response.models import FixJob, FixState
from hub.response.policy import store
from tests.hub.response.conftest import completed
from tests.hub.response.fake_fixer import (
    ROUTED,
    fake_dispatch,
    pull_request_event,
    red_import_run,
    run_completed_event,
)
from tests.hub.response.fake_merges import HEAD, FakePull

pytestmark = pytest.mark.django_db

MERGING = {"enabled": True, "allowed_paths": ["app/**"], "approvals": 1}


@pytest.fixture
def pull(octo, octo_agent, sender, run_tasks, api) -> FakePull:
    """A fixer job's pull request 12, linked, with merging on and one approval required."""
    store.save(octo, {**ROUTED, "merge": MERGING})
    red_import_run(octo_agent, run_tasks)
    fake_dispatch(api)
    sender.github("workflow_run", completed("failure"))
    job = FixJob.objects.get(responder="fixer")
    sender.github("pull_request", pull_request_event(12, f"orchestrate/fix-{job.pk}"))
    return FakePull(12, f"orchestrate/fix-{job.pk}").install(api)


def fix_run_ends(sender) -> None:
    job = FixJob.objects.get(responder="fixer")
    sender.github("workflow_run", run_completed_event(555, f"orchestrate/fix-{job.pk}", "success"))


def test_a_fix_its_reviewer_approved_is_merged(pull, sender):
    pull.reviews = [("octocat", "COMMENTED"), ("octocat", "APPROVED"), ("hubot", "COMMENTED")]

    fix_run_ends(sender)

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]


def test_an_approval_later_withdrawn_does_not_count_and_a_person_is_asked(pull, sender):
    pull.reviews = [("octocat", "APPROVED"), ("octocat", "CHANGES_REQUESTED")]

    fix_run_ends(sender)

    assert pull.merges == []
    [comment] = pull.comments
    assert "0 of 1 required approvals given" in comment
    assert (
        FixJob.objects.get(responder="fixer").state == FixState.SUCCEEDED
    )  # its run passed; a person merges


def test_reviews_are_not_read_when_the_policy_requires_no_approval(pull, sender, api):
    store.save(
        FixJob.objects.get(responder="fixer").project, {**ROUTED, "merge": {**MERGING, "approvals": 0}}
    )

    fix_run_ends(sender)

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert not any(call.request.url.endswith("/reviews") for call in api.calls)
