"""A failed job's category has two writers, the test-result analysis and the job's log; this is the one place
that decides which answer the job keeps.

The rule: a category from the tests wins over the log's, because it names the failing test and its own
message; but ``unknown`` says nothing, so it never replaces a known category, whichever side it comes from.
So a later upload whose failures match no rule leaves the log's ``dependency`` in place, and a log read
after the tests gave ``unknown`` supplies the category the tests could not.

Both writers may run at the same time (the log is fetched by a webhook's task while an upload is analysed):
the job's row is created or locked first and decided on under that lock, so neither overwrites the other
by racing it.
"""

from __future__ import annotations

from django.db import transaction

from agent.diagnosis.categories import UNKNOWN
from hub.failures.models import JobFailure

Source = JobFailure.Source


def replaces(current_source: str, current_category: str, source: str, category: str) -> bool:
    """Whether a new (``source``, ``category``) answer replaces the job's current one."""
    if category == UNKNOWN and current_category != UNKNOWN:
        return False
    return not (source == Source.LOG and current_source == Source.TESTS and current_category != UNKNOWN)


def write(
    job_id: int,
    *,
    source: str,
    category: str,
    rule: str = "",
    excerpt: str = "",
    cluster_id: int | None = None,
) -> JobFailure:
    """Record ``job_id``'s category from ``source`` unless the job keeps a better one (see ``replaces``);
    the job's ``JobFailure`` either way."""
    fields = {
        "category": category,
        "rule": rule[:200],
        "source": source,
        "excerpt": excerpt[:2000],
        "cluster_id": cluster_id,
    }
    with transaction.atomic():
        current, created = JobFailure.objects.select_for_update().get_or_create(
            job_id=job_id, defaults=fields
        )
        if created or not replaces(current.source, current.category, source, category):
            return current
        for name, value in fields.items():
            setattr(current, name, value)
        current.save(update_fields=list(fields))
    return current
