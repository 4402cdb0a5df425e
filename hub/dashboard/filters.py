"""The runs list's form, translated into the API's run filter (``hub.api.filters.RunFilter``).

A person picks a status (one list, whether the run is still going or how it ended) and a period ("last 7
days"); the API filters on ``status`` or ``conclusion`` and an RFC 3339 ``created_after``. Pure: the
query string and the clock in, the filter's data out. Empty fields mean "any", as a form sends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from hub.runs.models import Conclusion, RunStatus

STATUS_CHOICES = [
    (RunStatus.QUEUED.value, "Queued"),
    (RunStatus.IN_PROGRESS.value, "Running"),
    *[(value, label) for value, label in Conclusion.choices],
]
UNFINISHED = {RunStatus.QUEUED.value, RunStatus.IN_PROGRESS.value}
PERIODS = {
    "24h": ("Last 24 hours", timedelta(hours=24)),
    "7d": ("Last 7 days", timedelta(days=7)),
    "30d": ("Last 30 days", timedelta(days=30)),
}
FIELDS = ("project", "branch", "commit_sha", "pull_request", "status", "since")


def run_filter_data(query: Mapping[str, str], now: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """(data for ``RunFilter``, errors by field) from the form's ``query``."""
    given = {name: (query.get(name) or "").strip() for name in FIELDS}
    data = {name: given[name] for name in ("project", "branch", "commit_sha", "pull_request") if given[name]}
    errors: dict[str, str] = {}
    status = given["status"]
    if status in UNFINISHED:
        data["status"] = status
    elif status in Conclusion.values:
        data["conclusion"] = status
    elif status:
        errors["status"] = "Pick a status from the list."
    since = given["since"]
    if since in PERIODS:
        data["created_after"] = (now - PERIODS[since][1]).isoformat().replace("+00:00", "Z")
    elif since:
        errors["since"] = "Pick a period from the list."
    return data, errors
