"""The queries behind detection: which tests need judging, and each one's recent history as ``Outcome``s.

Set-based and bounded: a handful of statements whatever the number of tests, and at most ``WINDOW``
result rows per test, read newest first through the history index on (segment, test, id), one project's
segments newest first (``hub.runs.services.segments``). Finding the tests worth judging never reads all
results: only tests that ever failed can be anything but healthy, and the partial index on failing
results (``result_test_failing``) lists them while costing ingest nothing for passing rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import F, Q

from hub.flaky.detection import DEFAULT_RULES, Outcome, Rules
from hub.flaky.models import TestHealth, TestState
from hub.runs.models import Job, Run, Test, TestResult, Upload
from hub.runs.services import segments

WATCHED = (TestState.SUSPECTED, TestState.FLAKY, TestState.BROKEN, TestState.QUARANTINED)
FAILED = ("failed", "error")
WINDOW = 200  # result rows per test: every attempt of its most recent jobs
_CHUNK = 2000  # ids per statement, beside the segments (SQLite allows 32766 host parameters)

RESULTS, RUNS, JOBS, TESTS = (m._meta.db_table for m in (TestResult, Run, Job, Test))

_INFRA_SQL = "(j.tests >= %s AND (j.failed + j.errors) > %s * j.tests)"

# Each test's newest rows: a correlated list of ids, read off the history index in (segment, id) order
# and stopped at the window, then the rows themselves by primary key. Measured on SQLite, a (segment, id)
# cut-off joined back to the index instead (the form this had with a (test, id) index) takes 4x as long
# at 1M results in 16 segments and 30x at 10M in 153: it probes every segment of every test again to
# reach the rows after the cut-off, and runs the cut-off again for each probe.
_HISTORY_SQL = f"""
SELECT r.id, r.run_id, ru.commit_sha, ru.branch, (ru.branch = %s AND ru.pull_request IS NULL),
       ru.pull_request, r.job_id, j.name, r.attempt, r.final, r.status, r.duration,
       CAST(ru.created_at AS text), {_INFRA_SQL}, r.test_id
FROM {TESTS} t
JOIN {RESULTS} r ON r.id IN (
    SELECT r2.id FROM {RESULTS} r2 WHERE r2.segment IN ({{segments}}) AND r2.test_id = t.id
    ORDER BY r2.segment DESC, r2.id DESC LIMIT %s
)
JOIN {RUNS} ru ON ru.id = r.run_id
JOIN {JOBS} j ON j.id = r.job_id
WHERE t.id IN ({{ids}})
"""

# PostgreSQL would run a correlated cut-off once per result row; a lateral join instead reads each test's
# newest rows straight off the history index (the segments as one array) and stops at the window. The
# rows' jobs and runs (a few hundred for thousands of rows) are read apart and joined here: joined in
# the query, they cost the server and the client twice what the results do.
_HISTORY_SQL_POSTGRESQL = f"""
SELECT r.id, r.run_id, r.job_id, r.attempt, r.final, r.status, r.duration, r.test_id
FROM unnest(%s::bigint[]) AS t(id)
CROSS JOIN LATERAL (
    SELECT r2.id, r2.run_id, r2.job_id, r2.attempt, r2.final, r2.status, r2.duration, r2.test_id
    FROM {RESULTS} r2 WHERE r2.segment = ANY(%s::integer[]) AND r2.test_id = t.id
    ORDER BY r2.segment DESC, r2.id DESC LIMIT %s
) r
"""
_JOBS_SQL_POSTGRESQL = f"""
SELECT j.id, ru.commit_sha, ru.branch, (ru.branch = %s AND ru.pull_request IS NULL), ru.pull_request,
       j.name, CAST(ru.created_at AS text), {_INFRA_SQL}
FROM {JOBS} j JOIN {RUNS} ru ON ru.id = j.run_id WHERE j.id = ANY(%s::bigint[])
"""

_EVER_FAILED_SQL = f"""
SELECT DISTINCT r.test_id
FROM {RESULTS} r
JOIN {TESTS} t ON t.id = r.test_id
JOIN {JOBS} j ON j.id = r.job_id
WHERE r.status IN ('failed', 'error') AND t.project_id = %s AND NOT {_INFRA_SQL}
"""


def histories(
    project_id: int, test_ids: Sequence[int], default_branch: str, rules: Rules = DEFAULT_RULES
) -> dict[int, list[Outcome]]:
    """The last ``WINDOW`` results of each test (all of ``project_id``), as outcomes (unordered:
    detection orders them).

    Run times come as text: detection only carries them through, and turning every row's timestamp into
    an aware datetime would cost more than the rest of the row (the writer parses the few it keeps)."""
    found: dict[int, list[Outcome]] = defaultdict(list)
    newest_first = segments.descending(project_id)
    head = [default_branch, rules.infra_min_tests, rules.infra_fraction]
    in_segments = _HISTORY_SQL.replace("{segments}", ", ".join(["%s"] * len(newest_first)))
    with connection.cursor() as cursor:
        for chunk in chunks(sorted(set(test_ids))):
            if connection.vendor == "postgresql":
                _read_postgresql(cursor, head, chunk, newest_first, found)
                continue
            sql = in_segments.replace("{ids}", ", ".join(["%s"] * len(chunk)))
            cursor.execute(sql, [*head, *newest_first, WINDOW, *chunk])
            for row in cursor.fetchall():  # rows in Outcome's field order; detection unpacks them
                found[row[-1]].append(row)
    return found


def _read_postgresql(cursor, head: list, test_ids: list[int], newest_first: list[int], found: dict) -> None:
    """``histories`` of ``test_ids`` on PostgreSQL: the results, then their jobs, as Outcome rows."""
    cursor.execute(_HISTORY_SQL_POSTGRESQL, [test_ids, newest_first, WINDOW])
    results = cursor.fetchall()
    cursor.execute(_JOBS_SQL_POSTGRESQL, [*head, sorted({row[2] for row in results})])
    jobs = {job_id: rest for job_id, *rest in cursor.fetchall()}
    for result_id, run_id, job_id, attempt, final, status, duration, test_id in results:
        sha, branch, default, pull_request, name, at, infra = jobs[job_id]
        row = (result_id, run_id, sha, branch, default, pull_request, job_id, name, attempt, final, status)
        found[test_id].append((*row, duration, at, infra, test_id))


def failed_before_here(
    upload: Upload, rules: Rules = DEFAULT_RULES, present: set[int] | None = None
) -> set[int]:
    """The upload's tests whose earlier failures (outside an infrastructure failure) this upload may turn
    into evidence: failures on the same commit SHA (a pass now is a same-commit flake); for a run off the
    default branch, failures on the same pull request (or branch, when there is none), which a pass now
    shows did not last; for a default-branch run, failures on other branches since the default branch's
    previous upload of this job, which a pass now shows began on passing code (``branch_failures``).

    A pull request's or branch's failures are read only since the previous upload of this job there
    (that upload included): the analysis of that upload already turned the older ones into evidence, so a
    long-lived branch is never read whole. (A test missing from that upload, one job name running
    different tests, has its older failures taken up by the nightly recompute instead.)

    Read through the run indexes on (project, commit_sha), (project, pull_request) and (project, branch),
    the runs' uploads and jobs, and the results' (job) index: a commit's or a few uploads' failing results
    are few."""
    run = upload.run
    runs = Run.objects.filter(project_id=upload.project_id)
    scopes = []
    if run.commit_sha and _commit_uploaded_before(upload):
        scopes.append(Q(job__in=Job.objects.filter(run__in=runs.filter(commit_sha=run.commit_sha))))
    if run.pull_request:
        scopes.append(_since_previous_upload(upload, runs.filter(pull_request=run.pull_request), rules))
    elif run.branch and run.branch != upload.project.default_branch:
        scope = runs.filter(branch=run.branch, pull_request=None)
        scopes.append(_since_previous_upload(upload, scope, rules))
    return failed_in_scopes(upload, [*scopes, *other_branches_since_default(upload)], rules, present)


def _commit_uploaded_before(upload: Upload) -> bool:
    """Whether another upload carried results of this upload's commit (a re-run, another job, another
    report of this job): a commit's first upload has no earlier failures on it, and most uploads are
    their commit's first (one indexed probe instead of reading the commit's failing results)."""
    return (
        Upload.objects.filter(project_id=upload.project_id, run__commit_sha=upload.run.commit_sha)
        .exclude(pk=upload.pk)
        .exists()
    )


def other_branches_since_default(upload: Upload) -> list[Q]:
    """For a default-branch upload, the results of uploads off it since the default branch's previous
    upload of this job (none for other uploads, or the first of its job)."""
    default = upload.project.default_branch
    if upload.run.branch != default or upload.run.pull_request:
        return []
    previous = (
        Upload.objects.filter(
            project_id=upload.project_id,
            pk__lt=upload.pk,
            job__name=upload.job.name,
            run__branch=default,
            run__pull_request=None,
        )
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    if previous is None:
        return []
    between = Upload.objects.filter(project_id=upload.project_id, pk__gt=previous, pk__lt=upload.pk).exclude(
        run__branch=default, run__pull_request=None
    )
    return [Q(job__in=between.values("job_id"), upload__in=between)]


def failed_in_scopes(
    upload: Upload, scopes: Sequence[Q], rules: Rules = DEFAULT_RULES, present: set[int] | None = None
) -> set[int]:
    """The upload's tests (``present``, read when not given) with a failing result in any of ``scopes``
    (filters on results), outside an infrastructure failure.

    The scopes' failing tests are few (a commit's, a few uploads'); they are read, then kept if the upload
    ran them. Asking the database which of the upload's results match them instead probes each test's
    results across every segment (PostgreSQL chose that plan: 0.3 s an upload at 2,000 tests)."""
    found: set[int] = set()
    for where in scopes:
        failed = TestResult.objects.filter(where, status__in=FAILED).exclude(_infrastructure(rules))
        found.update(failed.values_list("test_id", flat=True).distinct())
    if not found:
        return found
    if present is None:
        present = set(
            TestResult.objects.filter(job_id=upload.job_id, upload_id=upload.pk).values_list(
                "test_id", flat=True
            )
        )
    return found & present


def _since_previous_upload(upload: Upload, runs, rules: Rules = DEFAULT_RULES) -> Q:
    """Results of ``runs``' uploads from the previous upload of this job among them (one whose job is
    not an infrastructure failure: those are not analysed for evidence) up to this one."""
    uploads = Upload.objects.filter(run__in=runs, pk__lte=upload.pk)
    previous = (
        uploads.filter(pk__lt=upload.pk, job__name=upload.job.name)
        .exclude(_infrastructure(rules))
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    recent = uploads.filter(pk__gte=previous or 0)
    return Q(job__in=recent.values("job_id"), upload__in=recent)


def _infrastructure(rules: Rules) -> Q:
    """On a model with a ``job``: the job is an infrastructure failure (``detection.is_infrastructure``)."""
    return Q(
        job__tests__gte=rules.infra_min_tests,
        job__tests__lt=(F("job__failed") + F("job__errors")) / rules.infra_fraction,
    )


def judged_in_project(project_id: int, rules: Rules = DEFAULT_RULES) -> list[int]:
    """Every test of the project that ever failed outside an infrastructure failure, and every test in a
    state other than healthy."""
    with connection.cursor() as cursor:
        cursor.execute(_EVER_FAILED_SQL, [project_id, rules.infra_min_tests, rules.infra_fraction])
        ids = {row[0] for row in cursor.fetchall()}
    ids.update(
        TestHealth.objects.filter(project_id=project_id)
        .exclude(state=TestState.HEALTHY)
        .values_list("test_id", flat=True)
    )
    return sorted(ids)


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
