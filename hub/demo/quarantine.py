"""The demo's one human decision: each project's owner quarantines its most disruptive flaky test, as a
team would after a few weeks of red runs, so the quarantine list, the flaky board's owner filter and a
test's quarantine section have something to show. Through the quarantine service, so the state change
and its audit trail are the real ones; idempotent (a project with an active entry is left alone)."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from hub.demo.suites import PROJECTS
from hub.flaky.models import QuarantineEntry, TestHealth, TestState
from hub.flaky.services import quarantine
from hub.projects.models import Project

REASON = "Fails intermittently on main (see its evidence); quarantined while {owner} fixes it."


def quarantine_flakiest(projects: dict[str, Project]) -> dict[str, str]:
    """Quarantine each demo project's flaky test with the most runs affected, by the project's owner;
    answer the tests quarantined, by project."""
    done = {}
    owners = {spec.full_name: spec.owner for spec in PROJECTS}
    for name, project in projects.items():
        if QuarantineEntry.objects.active().filter(project=project).exists():
            continue
        flakiest = (
            TestHealth.objects.filter(project=project, state=TestState.FLAKY)
            .select_related("test")
            .order_by("-runs_affected", "-time_lost", "test_id")
            .first()
        )
        if flakiest is None:
            continue
        owner = get_user_model().objects.get(username=owners[name])
        quarantine.quarantine(
            flakiest.test, reason=REASON.format(owner=owner.username), owner=f"{owner.username}", user=owner
        )
        done[name] = str(flakiest.test)
    return done
