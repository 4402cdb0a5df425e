"""The Django side of the flaky benchmarks, run as a subprocess in the hub's environment.

The benchmark scripts never import Django (as ``_hub.py``); what needs it runs here and prints JSON::

    python benchmarks/_flaky_hub.py verdicts OWNER/NAME
        every test's health row, every state change (with its time), and the analysis tasks that failed
    python benchmarks/_flaky_hub.py recompute OWNER/NAME REPEAT
        ``recompute_project`` and the naive queries it replaces, each timed REPEAT times, taking turns
    BENCH_API_TOKEN=... python benchmarks/_flaky_hub.py api-reads OWNER/NAME COUNT
        ``GET /api/v1/flaky?project=OWNER/NAME`` through Django's test client, COUNT times
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

ANALYSIS_TASK = "hub.response.tasks.upload_stored"

# The queries a detector without per-test aggregates runs over all results (issue 4 quotes their cost):
# tests that passed and failed on the same commit, and each test's flip and failure counts on the default
# branch, in result order. ``{failed}`` is the failing statuses.
NAIVE_SAME_SHA = """
SELECT r.test_id, run.commit_sha
FROM runs_testresult r JOIN runs_run run ON run.id = r.run_id
WHERE run.project_id = %s
GROUP BY r.test_id, run.commit_sha
HAVING SUM(CASE WHEN r.status = 'passed' THEN 1 ELSE 0 END) > 0
   AND SUM(CASE WHEN r.status IN ('failed', 'error') THEN 1 ELSE 0 END) > 0
"""
NAIVE_FLIP_RATE = """
SELECT test_id, COUNT(*) AS runs,
       SUM(CASE WHEN failed = 1 THEN 1 ELSE 0 END) AS failures,
       SUM(CASE WHEN previous IS NOT NULL AND previous <> failed THEN 1 ELSE 0 END) AS flips
FROM (
    SELECT r.test_id,
           CASE WHEN r.status IN ('failed', 'error') THEN 1 ELSE 0 END AS failed,
           LAG(CASE WHEN r.status IN ('failed', 'error') THEN 1 ELSE 0 END)
               OVER (PARTITION BY r.test_id ORDER BY r.id) AS previous
    FROM runs_testresult r JOIN runs_run run ON run.id = r.run_id
    WHERE run.project_id = %s AND run.branch = 'main' AND r.final
) outcomes
GROUP BY test_id
"""


class HubCommandError(RuntimeError):
    pass


def call(env: dict[str, str], *args: str) -> Any:
    """Run one of this module's commands in a subprocess with the hub's environment; return its JSON.
    (The only function here meant for the benchmark process, which never imports Django itself.)"""
    done = subprocess.run(
        [sys.executable, __file__, *args], cwd=REPO, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise HubCommandError(f"_flaky_hub.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _project(full_name: str):
    from hub.projects.models import Project

    return Project.objects.get(full_name=full_name)


def _signals(evidence: Any) -> list[str]:
    """The signal each evidence item names (the key may be ``signal``, ``rule`` or ``kind``)."""
    if not isinstance(evidence, list):
        return []
    names = []
    for item in evidence:
        if isinstance(item, dict):
            names.append(str(item.get("signal") or item.get("rule") or item.get("kind") or "?"))
    return names


def _broken_since(evidence: Any) -> str:
    """The first commit of the failing streak named by a broken verdict's evidence (the onset a person saw
    when the test was labelled broken; the health row forgets it once the test is fixed)."""
    for item in evidence if isinstance(evidence, list) else ():
        if isinstance(item, dict) and item.get("signal") == "broken" and item.get("commits"):
            return str(item["commits"][0])
    return ""


def verdicts(full_name: str) -> dict[str, Any]:
    from hub.flaky.models import StateChange, TestHealth
    from hub.outbox.models import OwedWork

    project = _project(full_name)
    health = [
        {
            "classname": row["test__classname"],
            "name": row["test__name"],
            "state": row["state"],
            "score": row["score"],
            "low": row["confidence_low"],
            "high": row["confidence_high"],
            "onset_sha": row["onset_sha"],
            "signals": _signals(row["evidence"]),
        }
        for row in TestHealth.objects.filter(project=project).values(
            "test__classname",
            "test__name",
            "state",
            "score",
            "confidence_low",
            "confidence_high",
            "onset_sha",
            "evidence",
        )
    ]
    changes = [
        {
            "classname": row["test__classname"],
            "name": row["test__name"],
            "from": row["from_state"],
            "to": row["to_state"],
            "at": row["at"].timestamp(),
            "rule": row["rule"],
            "onset": _broken_since(row["evidence"]) if row["to_state"] == "broken" else "",
        }
        for row in StateChange.objects.filter(project=project)
        .order_by("at", "id")
        .values("test__classname", "test__name", "from_state", "to_state", "at", "rule", "evidence")
    ]
    # The analysis is owed work: its errors stay on its row (retried, then dead), not in django-q.
    failed = OwedWork.objects.filter(consumer=ANALYSIS_TASK).exclude(last_error="").order_by("-due_at")
    last = failed.first()
    return {
        "health": health,
        "changes": changes,
        "task_failures": failed.count(),
        "task_failure": last.last_error[-2000:] if last else "",
    }


def recompute(full_name: str, repeat: int) -> dict[str, Any]:
    """Time ``recompute_project`` and the naive queries, ``repeat`` times each, taking turns."""
    from django.db import connection, reset_queries

    from hub.flaky.models import TestHealth
    from hub.flaky.services.detection_run import recompute_project

    project = _project(full_name)
    mark = "?" if connection.vendor == "sqlite" else "%s"
    timings: dict[str, list[float]] = {"recompute": [], "same_sha": [], "flip_rate": []}
    sizes: dict[str, int] = {}
    for _ in range(repeat):
        start = time.perf_counter()
        recompute_project(project)
        timings["recompute"].append(time.perf_counter() - start)
        reset_queries()
        for name, sql in (("same_sha", NAIVE_SAME_SHA), ("flip_rate", NAIVE_FLIP_RATE)):
            with connection.cursor() as cursor:
                start = time.perf_counter()
                cursor.execute(sql.replace("%s", mark), [project.pk])
                rows = cursor.fetchall()
                timings[name].append(time.perf_counter() - start)
            sizes[name] = len(rows)
    # Once more, untimed, to see where the time goes: the queries and the Python between them.
    queries: list[tuple[float, str]] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append((time.perf_counter() - start, " ".join(sql.split())[:160]))

    start = time.perf_counter()
    with connection.execute_wrapper(timed):
        recompute_project(project)
    total = time.perf_counter() - start
    states: dict[str, int] = {}
    for state in TestHealth.objects.filter(project=project).values_list("state", flat=True):
        states[state] = states.get(state, 0) + 1
    profile = {
        "total": total,
        "queries": len(queries),
        "in_queries": sum(seconds for seconds, _ in queries),
        "slowest": sorted(queries, reverse=True)[:3],
    }
    return {"timings": timings, "rows": sizes, "states": states, "profile": profile}


def api_reads(full_name: str, token: str, count: int) -> dict[str, Any]:
    """``GET /api/v1/flaky?project=...`` through the whole Django stack (middleware, auth, DRF), with the
    API token from ``BENCH_API_TOKEN`` (not the command line, where ``ps`` shows it)."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    path = f"/api/v1/flaky?project={full_name}"
    first = client.get(path)  # warm the connection and the caches, as a running hub would be
    if first.status_code != 200:
        return {"status": first.status_code, "body": first.content[:500].decode(errors="replace")}
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code} after answering 200")
    return {"status": 200, "times": times, "bytes": len(first.content)}


def _main(argv: list[str]) -> int:
    import django

    django.setup()
    if argv[:1] == ["verdicts"] and len(argv) == 2:
        print(json.dumps(verdicts(argv[1])))
    elif argv[:1] == ["recompute"] and len(argv) == 3:
        print(json.dumps(recompute(argv[1], int(argv[2]))))
    elif argv[:1] == ["api-reads"] and len(argv) == 3:
        print(json.dumps(api_reads(argv[1], os.environ["BENCH_API_TOKEN"], int(argv[2]))))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
