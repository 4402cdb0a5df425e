"""The demo's owner quarantines each project's most disruptive flaky test, once."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from hub.demo.quarantine import quarantine_flakiest
from hub.flaky.models import QuarantineEntry, TestHealth
from hub.flaky.models import TestState as State
from hub.projects.models import Project
from hub.runs.models import Test

pytestmark = pytest.mark.django_db
LEDGER = "acme-labs/ledger-api"  # owned by priya in hub.demo.suites


def judged(project: Project, name: str, state: str, runs_affected: int) -> Test:
    test = Test.objects.create(project=project, key=name.encode().ljust(16, b"_")[:16], name=name)
    TestHealth.objects.create(test=test, project=project, state=state, runs_affected=runs_affected)
    return test


@pytest.fixture
def ledger(db) -> Project:
    get_user_model().objects.create_user("priya")
    return Project.objects.create(full_name=LEDGER, default_branch="main")


def test_the_owner_quarantines_the_flaky_test_that_affected_most_runs(ledger):
    judged(ledger, "test_rarely", State.FLAKY, 2)
    often = judged(ledger, "test_often", State.FLAKY, 9)
    judged(ledger, "test_broken", State.BROKEN, 20)

    done = quarantine_flakiest({LEDGER: ledger})

    entry = QuarantineEntry.objects.active().get(project=ledger)
    assert (entry.test, entry.owner, entry.created_by.username) == (often, "priya", "priya")
    assert done == {LEDGER: str(often)}
    assert TestHealth.objects.get(test=often).state == State.QUARANTINED


def test_seeding_again_quarantines_nothing_more(ledger):
    judged(ledger, "test_often", State.FLAKY, 9)
    quarantine_flakiest({LEDGER: ledger})
    judged(ledger, "test_newly", State.FLAKY, 30)

    assert quarantine_flakiest({LEDGER: ledger}) == {}
    assert QuarantineEntry.objects.active().filter(project=ledger).count() == 1
