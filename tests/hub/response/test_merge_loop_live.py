"""Issue 15 end to end, with GitHub faked at the HTTP boundary and everything else real: the fixer's pull
request is validated by the real ``orchestrate validate`` (a small web application built, started in its
own process group, health-checked and smoke-tested, then stopped), whose commit status on the head is what
the hub's merge decision reads when the fix branch's run completes. Validated and green, the fix merges
with the expected head SHA and its branch is deleted; an application that does not come up healthy is not
merged, and a person is asked with the reason; a fix whose run breaks a test is not merged and goes back
to the fixer for another round."""

from __future__ import annotations

from pathlib import Path as _Path

import pytest

if not (_Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus").is_dir():
    pytest.skip("the shared corpus is not here; it lives beside the repository", allow_module_level=True)

import json

from agent.cli import ExitStatus, main
from hub.response.models import FixJob, FixState
from hub.response.policy import store
from tests.agent.validate import conftest as validate_fixtures
from tests.agent.validate.conftest import PYTHON, env
from tests.hub.conftest import case, report
from tests.hub.response import test_merging
from tests.hub.response.fake_fixer import REPO, ROUTED, dispatches
from tests.hub.response.fake_merges import HEAD, FakePull
from tests.hub.response.test_merging import FIX_RUN_ID, MERGING, fix_run_ends

pytestmark = pytest.mark.django_db

linked = test_merging.linked  # a fixer job awaiting verification, its pull request 12 linked, merging on
app, port = validate_fixtures.app, validate_fixtures.port  # the small web application and its port


@pytest.fixture
def pull(linked, api) -> FakePull:
    """The fix's pull request with no status on its head until ``orchestrate validate`` sets one."""
    fake = FakePull(12, f"orchestrate/fix-{linked.pk}", validate=None).install(api)

    def set_status(request) -> tuple[int, dict, str]:
        sent = json.loads(request.body)
        if sent["context"] == "orchestrate/validate":
            fake.validate = sent["state"]
        answer = {"url": f"{REPO}/statuses/{HEAD}", "id": 1, "creator": {"login": "orchestrate"}, **sent}
        return 201, {}, json.dumps(answer)

    api.add_callback("POST", f"{REPO}/statuses/{HEAD}", callback=set_status)
    return fake


def validate(app, port, *, health: str = "200") -> ExitStatus:
    """The fix workflow's validation step on the pull request's head, as its CI job runs it."""
    argv = [
        "validate", "--build", f"{PYTHON} -c \"print('built')\"", "--start", f"{PYTHON} {app} {port}",
        "--port", str(port), "--health-path", "/healthz", "--health-timeout", "3",
        "--smoke", "GET /items 200", "--commit-status", "--provider", "github",
        "--repo", "octo-org/octo-repo", "--sha", HEAD,
    ]  # fmt: skip
    return main(argv, env(GH_TOKEN="ghp_testtokentesttokentest", HEALTH=health))


def test_a_validated_green_fix_merges_with_its_head_sha_and_its_branch_is_deleted(
    linked, pull, sender, app, port
):
    assert validate(app, port) is ExitStatus.OK
    assert pull.validate == "success"

    fix_run_ends(sender, linked)

    assert pull.merges == [{"sha": HEAD, "merge_method": "merge"}]
    assert pull.deleted == [f"orchestrate/fix-{linked.pk}"]
    [comment] = pull.comments
    assert "validate" in comment.split(" held.")[0]
    linked.refresh_from_db()
    assert linked.state == FixState.SUCCEEDED


def test_an_application_that_does_not_come_up_healthy_is_not_merged_and_a_person_is_asked(
    linked, pull, sender, app, port
):
    assert validate(app, port, health="503") is ExitStatus.VALIDATE_FAILED
    assert pull.validate == "failure"

    fix_run_ends(sender, linked)

    assert pull.merges == []
    [comment] = pull.comments
    assert "orchestrate validate failed on the head" in comment
    assert "a person decides" in comment


def test_a_fix_that_breaks_a_test_is_not_merged_and_goes_back_to_the_fixer(
    linked, pull, sender, octo_agent, run_tasks, api, app, port
):
    store.save(linked.project, {**ROUTED, "merge": MERGING, "fixer": {"max_rounds": 2}})
    assert validate(app, port) is ExitStatus.OK
    dispatched = len(dispatches(api))
    with run_tasks():
        octo_agent.post_report(report(
            case("test_loads_config"), case("test_sums", "failed", message="AssertionError: 2 != 3"),
            run_id=str(FIX_RUN_ID), sha=HEAD, branch=f"orchestrate/fix-{linked.pk}", job="build",
        ))  # fmt: skip

    fix_run_ends(sender, linked, "failure")

    assert pull.merges == []
    assert len(dispatches(api)) == dispatched + 1  # round 2: the fix workflow again, on the fix branch
    linked = FixJob.objects.get(pk=linked.pk)
    assert linked.state == FixState.AWAITING_VERIFICATION
