"""Workers judging the same tests at the same moment record each state change once: the verdicts for
one test are decided one at a time (threads against the real database, SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection

from hub.flaky.models import StateChange, TestHealth
from hub.flaky.models import TestState as State
from hub.flaky.services import detection_run, states
from hub.runs.models import Upload
from tests.hub.conftest import case, report
from tests.hub.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)
WORKERS = 4
TESTS = 20


def test_workers_judging_one_upload_at_once_record_each_state_change_once(agent):
    retried = [case(f"test_{i}", "passed", reruns=[{"status": "failed"}]) for i in range(TESTS)]
    agent.post_report(report(*retried, case("test_steady")))
    upload = Upload.objects.get()

    errors = at_once(detection_run.update_for_upload, [(upload.pk,)] * WORKERS)

    assert errors == []
    assert StateChange.objects.count() == TESTS
    assert set(TestHealth.objects.filter(test__name__startswith="test_").values_list("state", flat=True)) == {
        State.FLAKY
    }


def test_a_change_decided_on_a_stale_state_is_not_recorded(agent):
    agent.post_report(report(case("test_a", "passed", reruns=[{"status": "failed"}])))
    detection_run.update_for_upload(Upload.objects.get().pk)
    seen = TestHealth.objects.get()  # flaky, as this worker saw it...
    fresh = TestHealth.objects.get()
    states.change_state(fresh, State.FIXED, reason="fixed by hand", rule="person")  # ...moved since

    assert states.change_state(seen, State.HEALTHY, reason="stale", rule="test") is None
    assert TestHealth.objects.get().state == State.FIXED
    assert list(StateChange.objects.values_list("to_state", flat=True)) == [State.FIXED, State.FLAKY]


def locked_elsewhere(test_id: int) -> bool:
    """Whether another connection finds the test's health row locked (asked without waiting)."""
    from django.db import OperationalError, transaction

    found: list[bool] = []

    def probe() -> None:
        try:
            with transaction.atomic():
                list(TestHealth.objects.select_for_update(nowait=True).filter(pk=test_id))
            found.append(False)
        except OperationalError:
            found.append(True)

    assert at_once(probe, [()]) == []
    return found[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's writers hold the whole database")
@pytest.mark.parametrize("in_a_pass", [False, True])
def test_a_judge_holds_its_tests_health_rows_until_it_commits(agent, in_a_pass):
    from django.db import transaction

    agent.post_report(report(case("test_a", "failed")))
    detection_run.update_for_upload(Upload.objects.get().pk)
    health = TestHealth.objects.get()

    with transaction.atomic():
        if in_a_pass:
            with detection_run.backlog_pass():
                detection_run.judge_tests(health.project, [health.pk])
                detection_run.judge_tests(health.project, [health.pk])  # the pass's second upload
                assert locked_elsewhere(health.pk)
        else:
            detection_run.judge_tests(health.project, [health.pk])
            assert locked_elsewhere(health.pk)
    assert not locked_elsewhere(health.pk)
