"""The hub's side of the provider storm, run in the hub's environment (Django imported only here)::

    python benchmarks/_storm_hub.py storm API_URL RUN_ID[,...] JOB_ID[,...]
    # prints {"reruns": [{"id", "outcome", "message", "seconds"}, ...], "logs": [...]}

A GitHub project whose integration points its API at ``API_URL`` (the fake provider on loopback). For each
run id, a run and one operator's "re-run failed jobs" through ``hub.operations.services.actions`` (the
path admin and the API take); for each job id, a failed job and the fetch of its log through
``hub.operations.services.logs.fetch_job_log`` (what the ``job_failed`` task runs). Prints each one's
outcome, message and wall time.
"""

from __future__ import annotations

import json
import sys
import time

STORM_PROJECT = "storm/provider"


def storm(api_url: str, run_ids: list[str], job_ids: list[str]) -> dict[str, list[dict]]:
    from django.contrib.auth import get_user_model

    from hub.integrations.models import Integration
    from hub.operations.models import ActionVia
    from hub.operations.services import actions, logs
    from hub.projects.services import create_project
    from hub.runs.models import Job, Run

    user = get_user_model().objects.create_user("storm-operator", password=None)
    project, _token = create_project(STORM_PROJECT, provider="github", owner=user)
    integration = Integration(project=project, api_url=api_url)
    integration.set_secret("api_token", "ghs_storm")
    integration.save()
    reruns, fetched = [], []
    for run_id in run_ids:
        run = Run.objects.create(
            project=project, provider="github", provider_run_id=run_id, status="completed"
        )
        start = time.monotonic()
        action = actions.rerun(run, failed_only=True, user=user, via=ActionVia.API)
        reruns.append(_done(run_id, action.outcome, action.message, start))
    for job_id in job_ids:
        run = Run.objects.create(project=project, provider="github", provider_run_id=f"job-{job_id}")
        job = Job.objects.create(
            run=run, name="tests", provider_job_id=job_id, status="completed", conclusion="failure"
        )
        start = time.monotonic()
        job_log = logs.fetch_job_log(job.pk)
        state = job_log.state if job_log is not None else "not fetched"
        fetched.append(_done(job_id, state, job_log.error if job_log is not None else "", start))
    return {"reruns": reruns, "logs": fetched}


def _done(ident: str, outcome: str, message: str, start: float) -> dict:
    return {"id": ident, "outcome": outcome, "message": message, "seconds": time.monotonic() - start}


def main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[:1] == ["storm"] and len(argv) == 4:
        print(json.dumps(storm(argv[1], argv[2].split(","), argv[3].split(","))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
