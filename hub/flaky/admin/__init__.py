"""Operator pages for flaky tests and the quarantine list.

The flaky-tests page lists verdicts (``TestHealth``) by impact: runs and pull requests affected, then CI
time lost. A test's page shows the verdict, its evidence, a bounded timeline of its recent results (the
history index, newest segment first, never a COUNT over results) and its state changes. Quarantine,
unquarantine and mark fixed are admin actions that go through ``hub.flaky.services.quarantine``, so the
acting user is recorded like any other change.

One module per page: ``health`` (the flaky-tests list and a test's page), ``actions`` (the actions on
it and their confirmation page) and ``quarantine`` (the quarantine list). Importing them registers them.
"""

from hub.flaky.admin import health, quarantine

__all__ = ["health", "quarantine"]
