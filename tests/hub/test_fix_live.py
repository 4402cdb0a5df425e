"""End to end: the agent reports a failing test to a live hub, then ``orchestrate fix --run`` (in-process)
reads the run's failure context over HTTP and fixes a real git repository, or refuses a test the hub
knows as flaky. Nothing is faked: the context is the hub's own document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main
from agent.fix import tree
from hub.flaky import models as flaky
from hub.runs.models import Run, Test
from tests.agent.fix_repos import ENV, make_repo
from tests.hub.test_agent_to_hub import env_for

pytestmark = pytest.mark.django_db(transaction=True)

MOVED = """<testsuite name="pytest">
<testcase classname="tests.test_total" name="test_total" file="tests/test_total.py" line="1">
<error message="ModuleNotFoundError: No module named 'shop.pricing'">ImportError while importing test module
E   ModuleNotFoundError: No module named 'shop.pricing'</error></testcase></testsuite>"""

REPOSITORY = {
    "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\naddopts = "-p no:cacheprovider"\n',
    ".orchestrate.yml": "fix:\n  commands: [pytest]\n",
    "shop/__init__.py": "",
    "shop/billing.py": "def total(items):\n    return sum(items)\n",
    "tests/test_total.py": "from shop.pricing import total\n\n\n"
    "def test_total():\n    assert total([1, 2]) == 3\n",
}


@pytest.fixture
def reported(live_server, agent_token, tmp_path: Path, capsys) -> tuple[dict, Run]:
    (tmp_path / "moved.xml").write_text(MOVED)
    env = env_for(live_server, agent_token, tmp_path)
    assert main(["report", "--junit", str(tmp_path / "moved.xml")], env) == 0, capsys.readouterr()
    capsys.readouterr()
    return {**env, **ENV}, Run.objects.get(provider_run_id="4242")


def test_fix_run_fixes_the_moved_import_and_re_runs_the_hubs_reproduce_command(reported, tmp_path, capsys):
    env, run = reported
    root = make_repo(tmp_path / "repo", REPOSITORY)

    status = main(["fix", "--repo", str(root), "--run", str(run.pk), "--apply", "--json"], env)

    report = json.loads(capsys.readouterr().out)
    assert status is ExitStatus.OK, report
    assert [p["fixer"] for p in report["planned"]] == ["moved-import"]
    assert [(v["command"], v["passed"]) for v in report["validation"]] == [
        ("pytest tests/test_total.py::test_total", True)
    ]
    assert (root / "tests/test_total.py").read_text().startswith("from shop.billing import total\n")


def test_fix_run_refuses_a_test_the_hub_knows_as_flaky(reported, tmp_path, capsys):
    env, run = reported
    test = Test.objects.get(project=run.project, name="test_total")
    flaky.TestHealth.objects.create(test=test, project=run.project, state=flaky.TestState.FLAKY, score=0.3)
    root = make_repo(tmp_path / "repo", REPOSITORY)
    before = tree.digest(root)

    status = main(["fix", "--repo", str(root), "--run", str(run.pk), "--apply", "--json"], env)

    report = json.loads(capsys.readouterr().out)
    assert status is ExitStatus.FIX_REFUSED
    assert report["refused"] == [
        {"subject": "test_total", "reason": "known flaky in the hub: re-run, don't fix", "finding": 0}
    ]
    assert tree.digest(root) == before
