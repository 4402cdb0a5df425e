"""The hub's side of the provider storm, run in the hub's environment (Django imported only here)::

    python benchmarks/_storm_hub.py rerun API_URL RUN_ID[,RUN_ID...]   # prints [{"run": ..., ...}, ...]

A GitHub project whose integration points its API at ``API_URL`` (the fake provider on loopback), one run
per id, and for each run one operator's "re-run failed jobs" through ``hub.operations.services.actions``,
the path admin and the API take. Prints each action's outcome, message and wall time.
"""

from __future__ import annotations

import json
import sys
import time

STORM_PROJECT = "storm/provider"


def rerun(api_url: str, run_ids: list[str]) -> list[dict]:
    from django.contrib.auth import get_user_model

    from hub.integrations.models import Integration
    from hub.operations.models import ActionVia
    from hub.operations.services import actions
    from hub.projects.services import create_project
    from hub.runs.models import Run

    user = get_user_model().objects.create_user("storm-operator", password=None)
    project, _token = create_project(STORM_PROJECT, provider="github", owner=user)
    integration = Integration(project=project, api_url=api_url)
    integration.set_secret("api_token", "ghs_storm")
    integration.save()
    done = []
    for run_id in run_ids:
        run = Run.objects.create(
            project=project, provider="github", provider_run_id=run_id, status="completed"
        )
        start = time.monotonic()
        action = actions.rerun(run, failed_only=True, user=user, via=ActionVia.API)
        done.append(
            {
                "run": run_id,
                "outcome": action.outcome,
                "message": action.message,
                "seconds": time.monotonic() - start,
            }
        )
    return done


def main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[:1] == ["rerun"] and len(argv) == 3:
        print(json.dumps(rerun(argv[1], argv[2].split(","))))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
