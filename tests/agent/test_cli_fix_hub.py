"""``orchestrate fix --run``: evidence from the hub's failure context, the hub faked at the HTTP boundary
(``tests/hub/test_fix_live.py`` runs it against a live hub)."""

from __future__ import annotations

import json
from pathlib import Path

import responses

from agent.cli import ExitStatus, main

from .fix_repos import ENV, make_repo, run_fix

HUB = "https://hub.example"
HUB_ENV = {**ENV, "ORCHESTRATE_HUB_URL": HUB, "ORCHESTRATE_TOKEN": "orch_a_0123456789ab_secret"}


def context(failure: dict) -> dict:
    return {
        "run": {"id": 7, "url": "https://github.com/acme/shop/actions/runs/1"},
        "failures": [failure],
        "jobs": [],
    }


def hub_failure(message: str, **extra) -> dict:
    attempt = {"attempt": 1, "status": "error", "message": message, "trace": "", "output": ""}
    return {
        "test": {"name": "tests/test_total.py"},
        "category": None,
        "classification": None,
        "attempts": [attempt],
        "flaky": None,
        "reproduce": None,
        **extra,
    }


@responses.activate
def test_a_test_the_hub_knows_as_flaky_is_refused_to_be_re_run(lint_repo, capsys) -> None:
    root, _ = lint_repo
    verdict = {"state": "flaky", "since": "2026-01-01T00:00:00Z", "score": 0.4, "evidence": []}
    responses.get(
        f"{HUB}/api/v1/runs/7/context", json=context(hub_failure("would reformat app.py", flaky=verdict))
    )

    status, out = run_fix(capsys, root, "--run", "7", "--apply", env=HUB_ENV)

    assert status is ExitStatus.FIX_REFUSED
    assert "refused: tests/test_total.py: known flaky in the hub: re-run, don't fix" in out


@responses.activate
def test_a_moved_import_from_the_hubs_context_is_fixed_and_its_test_run_again(tmp_path: Path, capsys) -> None:
    root = make_repo(
        tmp_path,
        {
            "pyproject.toml": '[tool.pytest.ini_options]\npythonpath = ["."]\n',
            ".orchestrate.yml": "fix:\n  commands: [pytest]\n",
            "shop/__init__.py": "",
            "shop/billing.py": "def total(items):\n    return sum(items)\n",
            "tests/test_total.py": "from shop.pricing import total\n\n\ndef test_total():\n"
            "    assert total([1, 2]) == 3\n",
        },
    )
    failure = hub_failure(
        "ModuleNotFoundError: No module named 'shop.pricing'",
        reproduce="pytest -q -p no:cacheprovider tests/test_total.py::test_total",
    )
    responses.get(f"{HUB}/api/v1/runs/7/context", json=context(failure))

    status, out = run_fix(capsys, root, "--run", "7", "--apply", "--json", env=HUB_ENV)

    report = json.loads(out)
    assert status is ExitStatus.OK, report
    assert report["planned"][0]["fixer"] == "moved-import"
    assert report["validation"][0]["command"].startswith("pytest -q")
    assert report["validation"][0]["passed"]
    assert (root / "tests/test_total.py").read_text().startswith("from shop.billing import total\n")


@responses.activate
def test_an_unreachable_hub_is_an_error_saying_what_to_check(lint_repo, capsys) -> None:
    import requests

    root, _ = lint_repo
    responses.get(f"{HUB}/api/v1/runs/7/context", body=requests.ConnectionError("refused"))

    status = main(["fix", "--repo", str(root), "--run", "7", "--retries", "0"], HUB_ENV, sleep=lambda _: None)

    assert status is ExitStatus.FIX_ERROR
    assert "hint: check ORCHESTRATE_HUB_URL" in capsys.readouterr().err
