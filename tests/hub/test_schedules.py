"""The hub's periodic tasks exist after ``migrate``, each naming a function that can be imported, and a
setting of 0 removes its schedule."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps
from django_q.models import Schedule

from hub.runs.schedules import ensure_schedules as ensure_runs_schedules

pytestmark = pytest.mark.django_db

EXPECTED = {
    "runs.prune",
    "flaky.recompute",
    "flaky.quarantine-expiry",
    "operations.reconcile",
    "webhooks.prune",
    "outbox.sweep",
    "response.resume",
    "response.issues",
    "response.fixer",
}


def _as_migrate_does() -> None:
    for config in apps.get_app_configs():
        module = getattr(config, "module", None)
        if module and module.__name__.startswith("hub."):
            try:
                schedules = import_module(f"{module.__name__}.schedules")
            except ModuleNotFoundError:
                continue
            schedules.ensure_schedules()


def test_every_periodic_task_is_scheduled_after_migrate():
    _as_migrate_does()
    assert set(Schedule.objects.values_list("name", flat=True)) >= EXPECTED


def test_every_scheduled_task_names_a_function_that_exists():
    _as_migrate_does()
    for name, func in Schedule.objects.values_list("name", "func"):
        module, _, attribute = func.rpartition(".")
        assert callable(getattr(import_module(module), attribute, None)), f"{name}: {func} does not exist"


def test_a_retention_of_zero_removes_the_pruning_schedule(settings):
    ensure_runs_schedules()
    settings.RETENTION_DAYS = 0
    ensure_runs_schedules()
    assert not Schedule.objects.filter(name="runs.prune").exists()


def test_scheduling_twice_keeps_one_schedule():
    _as_migrate_does()
    _as_migrate_does()
    assert Schedule.objects.filter(name="flaky.recompute").count() == 1
