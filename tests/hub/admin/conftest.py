"""Admin fixtures: a logged-in superuser client (pytest-django's ``admin_client``) and a run with jobs,
failures and passes in acme/widgets."""

from __future__ import annotations

import pytest

from tests.hub.api.factories import make_job, make_result, make_run, make_test


@pytest.fixture
def failing_run(project):
    run = make_run(project, branch="feature/login", commit_sha="f00dfeed" + "0" * 32, conclusion="failure")
    unit, lint = make_job(run, "unit", tests=3, failed=1), make_job(run, "lint")
    make_result(unit, make_test(project, "test_passes"), "passed")
    make_result(unit, make_test(project, "test_breaks"), "failed", message="expected 2, got 3")
    make_result(lint, make_test(project, "test_crashes"), "error", message="ImportError")
    return run
