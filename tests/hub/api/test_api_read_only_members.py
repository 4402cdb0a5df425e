"""A read-only member reads a project through the API like any member, and every write is a 403 saying
what to do, even with a read-write token, before anything is sent or stored. Members pass the same check
(the rule is ``hub.projects.services.may_operate``; the owners-only writes are tested with their views)."""

from __future__ import annotations

import pytest

from hub.flaky.models import QuarantineEntry, TestHealth
from hub.flaky.services import quarantine
from hub.operations.models import Action
from hub.response.models import FixJob, FixState, Responder
from hub.response.services import fix_jobs
from tests.hub.api.factories import make_run, make_test

pytestmark = pytest.mark.django_db

REFUSAL = "You are a read-only member of acme/widgets"


@pytest.fixture
def as_reader(reader, client_for):
    return client_for(reader, read_only=False)


@pytest.fixture
def failed_run(project):
    return make_run(project, provider_run_id="30433642", conclusion="failure")


@pytest.fixture
def dead_fix_job(project, failed_run) -> FixJob:
    job = fix_jobs.open_job(project.pk, Responder.RERUN, f"rerun:{failed_run.pk}:1", "flaky", run=failed_run)
    FixJob.objects.filter(pk=job.pk).update(state=FixState.DEAD)
    return FixJob.objects.get(pk=job.pk)


def refused(response) -> bool:
    return response.status_code == 403 and response.json()["error"]["message"].startswith(REFUSAL)


def test_a_read_only_member_reads_the_projects_runs(as_reader, failed_run):
    assert as_reader.get(f"/api/v1/runs/{failed_run.pk}/").status_code == 200


def test_a_read_only_member_may_not_rerun_cancel_or_trigger(as_reader, project, failed_run):
    answers = [
        as_reader.post(f"/api/v1/runs/{failed_run.pk}/rerun", {"failed_only": True}, format="json"),
        as_reader.post(f"/api/v1/runs/{failed_run.pk}/cancel", format="json"),
        as_reader.post(f"/api/v1/projects/{project.pk}/trigger", {"workflow": "ci.yml"}, format="json"),
    ]

    assert [refused(answer) for answer in answers] == [True, True, True]
    assert not Action.objects.exists()


def test_the_refusal_says_what_to_do(as_reader, failed_run):
    body = as_reader.post(f"/api/v1/runs/{failed_run.pk}/cancel", format="json").json()["error"]

    assert body["code"] == "permission_denied"
    assert body["message"] == (
        "You are a read-only member of acme/widgets: you may not re-run or cancel its runs; "
        "ask one of its owners to make you a member."
    )


def test_a_read_only_member_may_not_quarantine_or_mark_fixed(as_reader, project):
    test = make_test(project, "test_wobbly")

    add = as_reader.post("/api/v1/quarantine", {"test": test.pk, "reason": "times out"}, format="json")
    fixed = as_reader.post(f"/api/v1/tests/{test.pk}/mark-fixed", {"reason": "done"}, format="json")

    assert refused(add)
    assert refused(fixed)
    assert not QuarantineEntry.objects.exists()
    assert not TestHealth.objects.filter(test=test, state="fixed").exists()


def test_a_read_only_member_may_not_take_a_test_off_the_quarantine_list(as_reader, project, owner):
    entry = quarantine.quarantine(make_test(project, "test_wobbly"), reason="times out", user=owner)

    assert refused(as_reader.delete(f"/api/v1/quarantine/{entry.pk}"))
    entry.refresh_from_db()
    assert entry.removed_at is None


def test_a_read_only_member_may_not_retry_or_cancel_a_fix_job(as_reader, dead_fix_job):
    retry = as_reader.post(f"/api/v1/fix-jobs/{dead_fix_job.pk}/retry/")
    cancel = as_reader.post(f"/api/v1/fix-jobs/{dead_fix_job.pk}/cancel/")

    assert refused(retry)
    assert refused(cancel)
    dead_fix_job.refresh_from_db()
    assert dead_fix_job.state == FixState.DEAD


def test_a_member_passes_the_same_check(teammate, client_for, project):
    test = make_test(project, "test_wobbly")

    response = client_for(teammate, read_only=False).post(
        "/api/v1/quarantine", {"test": test.pk, "reason": "times out"}, format="json"
    )

    assert response.status_code == 201
    assert QuarantineEntry.objects.get().created_by == teammate
