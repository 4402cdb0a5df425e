"""One pipeline above ingest: analyse what was stored, decide with the project's policy, respond.

The runs app only announces (``upload.stored``, ``run.completed``); these consumers, subscribed in
``apps.py``, are its owed work (``hub.outbox``), each done once in the transaction that marks it done.
An upload is analysed (failures, then flaky verdicts, then the pull request's classification, which needs
fresh verdicts); if its run has completed, the responders look at the run again, since a late upload may
be the fact they were waiting for. A failed job's log categorised after its run completed
(``job_log.stored``, from hub.operations) is such a fact too. A completed run goes to every responder:
first to settle what was awaiting it, then to decide what to open. Fix jobs opened here are dispatched
after commit.

A worker behind on analyses takes its backlog in one pass (``uploads_stored``): the same steps for each
upload, in order, in one transaction, sharing what does not change between them (``flaky.one_pass``).
"""

from __future__ import annotations

from hub.response.policy import store
from hub.response.responders import modules
from hub.response.services import deployments
from hub.runs.models import Run, RunStatus, Upload


def upload_stored(upload_id: int) -> None:
    """The owed work of an ``upload.stored`` announcement: it runs in the transaction that marks that work
    done, so the analysis and any fix job it opens happen once or not at all."""
    from hub.failures.services import analysis, classification
    from hub.flaky.services import detection_run

    analysis.analyse_upload(upload_id)
    detection_run.update_for_upload(upload_id)
    classification.classify_upload(upload_id)
    run = Run.objects.filter(pk__in=Upload.objects.filter(pk=upload_id).values("run_id")).first()
    if run is not None and run.status == RunStatus.COMPLETED:
        detection_run.write_clean_passes()  # the responders read the figures as they stand
        respond(run, besides_upload=upload_id)


def uploads_stored(upload_ids: list[int]) -> None:
    """``upload_stored`` for each of ``upload_ids`` as one pass over a backlog: each project's uploads in
    their order, the projects in id order (a pass locks a project's verdicts whole: two passes over the
    same projects then lock them in the same order)."""
    from hub.flaky.services import detection_run

    project_of = dict(Upload.objects.filter(pk__in=upload_ids).values_list("pk", "project_id"))
    with detection_run.backlog_pass():
        for upload_id in sorted(upload_ids, key=lambda pk: project_of.get(pk, 0)):
            upload_stored(upload_id)


def run_completed(run_id: int) -> None:
    run = Run.objects.filter(pk=run_id).first()
    if run is not None:
        respond(run)


def job_log_stored(job_id: int) -> None:
    """A failed job's log was categorised (``job_log.stored``): if its run has completed, the responders
    look at it again, since a job that reported no tests had no category until now."""
    run = Run.objects.filter(jobs__pk=job_id).first()
    if run is not None and run.status == RunStatus.COMPLETED:
        respond(run)


def respond(run: Run, *, besides_upload: int | None = None) -> None:
    policy = store.effective(run.project)
    for responder in modules().values():
        responder.verify(run, besides_upload=besides_upload)
        responder.consider(run, policy, besides_upload=besides_upload)
    deployments.verify(run)  # a merged fix's deployment run (services/deployments.py)
