"""End to end: the agent reports a failing test to a live hub, then `orchestrate ci context` (in-process)
fetches the run's failure context over HTTP with the same agent token."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import main
from hub.runs.models import Run
from tests.hub.test_agent_to_hub import FAILING, env_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reported(live_server, agent_token, tmp_path: Path, capsys) -> tuple[dict, Run]:
    (tmp_path / "failing.xml").write_text(FAILING)
    env = env_for(live_server, agent_token, tmp_path)
    assert main(["report", "--junit", str(tmp_path / "failing.xml")], env) == 0, capsys.readouterr()
    capsys.readouterr()
    return env, Run.objects.get(provider_run_id="4242")


def test_ci_context_prints_the_runs_markdown_from_the_hub(reported, capsys):
    env, run = reported

    status = main(["ci", "context", str(run.pk)], env)

    out = capsys.readouterr().out
    assert status == 0
    assert out.startswith("# Failure context: acme/widgets run 4242")
    assert "**Reproduce**: `pytest tests/test_x.py::test_bad`" in out
    assert "E assert 1 == 2" in out


def test_ci_context_json_is_the_hubs_document(reported, capsys):
    env, run = reported

    status = main(["ci", "context", "--run", str(run.pk), "--json"], env)

    document = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [f["test"]["name"] for f in document["failures"]] == ["test_bad"]
    assert document["run"]["commit_sha"] == "d" * 40
