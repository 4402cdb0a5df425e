"""The plain facts the decisions need about a run, read from the apps below: its failed jobs, each
failure's test verdict (hub.flaky) and category (hub.failures), and whether any upload of it is still
owed its analysis (hub.outbox)."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q

from hub.failures.models import Failure, JobFailure
from hub.flaky.models import TestHealth, TestState
from hub.outbox.models import OwedWork, WorkState
from hub.response.decisions import FAILED_CONCLUSIONS, FailedJob, RunFacts, TestFailure
from hub.runs.models import Job, Run, Upload
from hub.runs.services.ingest import UPLOAD_STORED

ANALYSIS = "hub.response.tasks.upload_stored"  # the consumer of upload.stored (subscribed in apps.py)


def failed_jobs(run: Run) -> list[Job]:
    """Jobs that concluded failed or timed out, or that have no conclusion and failed tests."""
    unconcluded_red = Q(conclusion="") & (Q(failed__gt=0) | Q(errors__gt=0))
    return list(run.jobs.filter(Q(conclusion__in=FAILED_CONCLUSIONS) | unconcluded_red).order_by("name"))


def analysis_pending(run: Run, *, besides: int | None = None) -> bool:
    """Whether an upload of ``run`` (other than ``besides``, the one being analysed) still owes analysis."""
    uploads = Upload.objects.filter(run=run).exclude(pk=besides).values("pk")
    owed = OwedWork.objects.filter(topic=UPLOAD_STORED, consumer=ANALYSIS, state=WorkState.OWED)
    return owed.filter(subject_id__in=uploads).exists()


def failed_test_names(run: Run) -> list[str]:
    """The tests that failed in ``run``, from its analysed failures, sorted."""
    return sorted({str(f.test) for f in Failure.objects.filter(run=run).select_related("test")})


def run_facts(run: Run, *, besides_upload: int | None = None) -> RunFacts:
    jobs = failed_jobs(run)
    failures = Failure.objects.filter(job__in=jobs).select_related("test")
    states = dict(TestHealth.objects.filter(test__in=failures.values("test")).values_list("test_id", "state"))
    job_categories = dict(JobFailure.objects.filter(job__in=jobs).values_list("job_id", "category"))
    per_job: dict[int, list[TestFailure]] = defaultdict(list)
    for failure in failures:
        state = states.get(failure.test_id, TestState.HEALTHY)
        per_job[failure.job_id].append(TestFailure(str(failure.test), state, failure.category))
    return RunFacts(
        conclusion=run.conclusion or "",
        failed_jobs=[FailedJob(j.name, per_job.get(j.pk, []), job_categories.get(j.pk, "")) for j in jobs],
        analysis_pending=analysis_pending(run, besides=besides_upload),
    )
