"""Reports posted through the ingest API for the detection tests: one run and commit each, beside a
bystander test, judged as the task after ingest judges them unless asked not to."""

from __future__ import annotations

import itertools

from hub.flaky.services import detection_run
from hub.runs.models import Upload
from tests.hub.conftest import case, report

_runs = itertools.count(1)


def post(agent, *cases, judge=True, **run) -> Upload:
    number = next(_runs)
    body = report(*cases, case("test_bystander"), run_id=str(number), sha=f"{number:040x}", **run)
    response = agent.post_report(body)
    assert response.status_code == 201, response.content
    upload = Upload.objects.select_related("job", "run", "project").get(pk=response.json()["upload"])
    if judge:
        detection_run.update_for_upload(upload.pk)
    return upload
