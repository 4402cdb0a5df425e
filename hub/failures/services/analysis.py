"""After an upload lands: categorise each failed test, fold it into its cluster, and sum up the job.

Set-based: the upload's new failures are read in one query, categorised and normalised in Python, then
clusters, cluster members and failure rows are written in bulk, with counts moved by ``F()`` increments
grouped by their size, so the number of queries follows the number of clusters, not of failures.

Safe to run twice and alongside other uploads. The job's row is locked for the whole analysis, so two
analyses of one job (a retried task, a second report file) take turns, and a result that already has its
``Failure`` row is skipped: a second run changes nothing. Clusters are shared between jobs: they are
created with ``ignore_conflicts`` in fingerprint order and then locked in id order (no deadlock), so
concurrent uploads add to the same counts without losing any.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Greatest, Least

from agent.diagnosis.categories import RuleSet
from hub.failures.models import Category, ClusterTest, Failure, FailureCluster, JobFailure
from hub.failures.normalise import example, failure_text, fingerprint, normalise
from hub.failures.services import job_failure
from hub.failures.services.rules import rules_for
from hub.runs.models import Job, ResultStatus, TestResult, Upload

FAILED = (ResultStatus.FAILED, ResultStatus.ERROR)
CHUNK = 500  # rows per bulk statement, and ids per IN (...) list
EXCERPT_LIMIT = 2000

# A failed job's category: the first of these present explains the whole job (a lost runner, a missing
# dependency or a module that does not import fail every test after them)...
ROOT_CAUSES = (
    Category.INFRASTRUCTURE,
    Category.OUT_OF_MEMORY,
    Category.DEPENDENCY,
    Category.NETWORK,
    Category.SYNTAX,
    Category.IMPORT,
)
# ...otherwise the most frequent of these, ties going to the earlier one; unknown only when alone.
BY_COUNT = (Category.TYPE_CHECK, Category.LINT, Category.TIMEOUT, Category.ASSERTION, Category.UNKNOWN)


@dataclass
class _Draft:
    """A cluster as this upload sees it: what to create it with, and what to add to its counts."""

    normalised: str
    example: str
    category: str
    rule: str
    occurrences: int = 0
    tests: Counter = field(default_factory=Counter)


@dataclass(frozen=True)
class Summary:
    failures: int
    clusters: int


def analyse_upload(upload_id: int) -> Summary:
    """Analyse the failed final results of one upload (a missing upload, pruned meanwhile, is a no-op)."""
    upload = Upload.objects.select_related("project", "run").filter(pk=upload_id).first()
    if upload is None:
        return Summary(0, 0)
    rules = rules_for(upload.project)
    seen = upload.run.created_at
    with transaction.atomic():
        Job.objects.select_for_update().filter(pk=upload.job_id).values_list("pk").first()
        drafts, failures = _analyse(_unanalysed(upload), rules)
        if failures:
            cluster_ids = _upsert_clusters(upload.project_id, drafts, seen)
            _add_members(cluster_ids, drafts, seen)
            Failure.objects.bulk_create(
                [
                    Failure(project_id=upload.project_id, cluster_id=cluster_ids[fp], **row)
                    for fp, row in failures
                ],
                batch_size=CHUNK,
                ignore_conflicts=True,
            )
        summarise_job(upload.job_id)
    return Summary(len(failures), len(drafts))


def _unanalysed(upload: Upload) -> Iterable[dict]:
    """By job and upload: the job leads the only results index that covers an upload (job)."""
    return (
        TestResult.objects.filter(
            job_id=upload.job_id, upload_id=upload.pk, final=True, status__in=FAILED, analysis__isnull=True
        )
        .order_by("id")
        .values("id", "run_id", "job_id", "test_id", "message", "failure_type", "trace")
        .iterator(chunk_size=2000)
    )


def _analyse(results: Iterable[dict], rules: RuleSet) -> tuple[dict[str, _Draft], list[tuple[str, dict]]]:
    drafts: dict[str, _Draft] = {}
    failures: list[tuple[str, dict]] = []
    seen: dict[tuple, tuple] = {}  # one failure's text is often many tests': categorised once
    for result in results:
        key = (result["message"], result["failure_type"], result["trace"])
        known = seen.get(key)
        if known is None:
            match = rules.categorise(*key)
            text = failure_text(result["message"], result["trace"])
            normalised = normalise(text)
            known = seen[key] = (match, text, normalised, fingerprint(normalised, result["failure_type"]))
        match, text, normalised, fp = known
        draft = drafts.get(fp)
        if draft is None:
            draft = drafts[fp] = _Draft(normalised, example(text), match.category, match.rule)
        draft.occurrences += 1
        draft.tests[result["test_id"]] += 1
        failures.append(
            (
                fp,
                {
                    "result_id": result["id"],
                    "run_id": result["run_id"],
                    "job_id": result["job_id"],
                    "test_id": result["test_id"],
                    "category": match.category,
                    "rule": match.rule,
                },
            )
        )
    return drafts, failures


def _upsert_clusters(project_id: int, drafts: dict[str, _Draft], seen: datetime) -> dict[str, int]:
    """Create the missing clusters, lock them all, add this upload's occurrences; fingerprint -> id."""
    fingerprints = sorted(drafts)
    ids: dict[str, int] = {}
    for chunk in _chunks(fingerprints):
        FailureCluster.objects.bulk_create(
            [
                FailureCluster(
                    project_id=project_id,
                    fingerprint=fp,
                    normalised=drafts[fp].normalised,
                    example=drafts[fp].example,
                    category=drafts[fp].category,
                    rule=drafts[fp].rule,
                    first_seen=seen,
                    last_seen=seen,
                )
                for fp in chunk
            ],
            ignore_conflicts=True,
        )
        locked = (
            FailureCluster.objects.select_for_update()
            .filter(project_id=project_id, fingerprint__in=chunk)
            .order_by("id")
            .values_list("fingerprint", "id")
        )
        ids.update(locked)
    by_increment: dict[int, list[int]] = defaultdict(list)
    for fp, draft in drafts.items():
        by_increment[draft.occurrences].append(ids[fp])
    for increment, cluster_ids in by_increment.items():
        for chunk in _chunks(cluster_ids):
            FailureCluster.objects.filter(pk__in=chunk).update(
                occurrences=F("occurrences") + increment, **_seen_updates(seen)
            )
    return ids


def _add_members(cluster_ids: dict[str, int], drafts: dict[str, _Draft], seen: datetime) -> None:
    """Count each test in its cluster; a test new to a cluster adds one to the cluster's ``tests``.

    The clusters are locked (``_upsert_clusters``), so which members exist is read without a race."""
    new_members: list[ClusterTest] = []
    existing_by_increment: dict[int, list[int]] = defaultdict(list)
    new_tests: Counter = Counter()
    for fp, draft in drafts.items():
        cluster_id = cluster_ids[fp]
        existing: dict[int, int] = {}
        for chunk in _chunks(list(draft.tests)):
            existing.update(
                ClusterTest.objects.filter(cluster_id=cluster_id, test_id__in=chunk).values_list(
                    "test_id", "id"
                )
            )
        for test_id, count in draft.tests.items():
            if test_id in existing:
                existing_by_increment[count].append(existing[test_id])
            else:
                new_members.append(
                    ClusterTest(
                        cluster_id=cluster_id,
                        test_id=test_id,
                        occurrences=count,
                        first_seen=seen,
                        last_seen=seen,
                    )
                )
                new_tests[cluster_id] += 1
    ClusterTest.objects.bulk_create(new_members, batch_size=CHUNK, ignore_conflicts=True)
    for increment, member_ids in existing_by_increment.items():
        for chunk in _chunks(member_ids):
            ClusterTest.objects.filter(pk__in=chunk).update(
                occurrences=F("occurrences") + increment, **_seen_updates(seen)
            )
    by_increment: dict[int, list[int]] = defaultdict(list)
    for cluster_id, count in new_tests.items():
        by_increment[count].append(cluster_id)
    for increment, ids in by_increment.items():
        for chunk in _chunks(ids):
            FailureCluster.objects.filter(pk__in=chunk).update(tests=F("tests") + increment)


def summarise_job(job_id: int) -> JobFailure | None:
    """The job's category from all its analysed failed tests: a root cause when there is one, else the
    most frequent kind (see ``ROOT_CAUSES`` and ``BY_COUNT``); the rule and cluster most seen in it.

    Written through ``job_failure.write``: it replaces a category read from the job's log, except that
    an ``unknown`` leaves a known one in place."""
    counts = list(
        Failure.objects.filter(job_id=job_id)
        .values("category", "rule")
        .annotate(n=Count("id"))
        .order_by("-n", "category", "rule")
    )
    if not counts:
        return None
    per_category: Counter = Counter()
    for row in counts:
        per_category[row["category"]] += row["n"]
    category = _job_category(per_category)
    rule = next(row["rule"] for row in counts if row["category"] == category)
    top = (
        Failure.objects.filter(job_id=job_id, category=category, cluster__isnull=False)
        .values("cluster_id", "cluster__example")
        .annotate(n=Count("id"))
        .order_by("-n", "cluster_id")
        .first()
    )
    return job_failure.write(
        job_id,
        source=JobFailure.Source.TESTS,
        category=category,
        rule=rule,
        cluster_id=top["cluster_id"] if top else None,
        excerpt=(top["cluster__example"] if top else "")[:EXCERPT_LIMIT],
    )


def _job_category(per_category: Counter) -> str:
    for category in ROOT_CAUSES:
        if per_category[category]:
            return category
    ranked = sorted(
        (category for category in per_category if per_category[category]),
        key=lambda category: (
            category == Category.UNKNOWN,
            -per_category[category],
            BY_COUNT.index(category) if category in BY_COUNT else len(BY_COUNT),
        ),
    )
    return ranked[0]


def _seen_updates(seen: datetime) -> dict:
    return {
        "first_seen": Least(F("first_seen"), Value(seen)),
        "last_seen": Greatest(F("last_seen"), Value(seen)),
    }


def _chunks(items: list, size: int = CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
