"""``orchestrate report --fail-on unquarantined``: the step fails only for failures outside the project's
quarantine list; quarantined failures are still uploaded and are named in the summary; without the list
the step fails on any failure (fail safe). The hub is faked at the HTTP boundary with ``responses``."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import requests
import responses

from agent.cli import ExitStatus, main
from agent.identity import test_key
from tests.agent.test_hub_client import Sleeps

HUB = "https://hub.example"
QUARANTINE_URL = f"{HUB}/api/v1/quarantine"
REPORTS_URL = f"{HUB}/api/v1/reports"

TWO_FAILURES = """<?xml version="1.0"?>
<testsuite name="suite" tests="3">
  <testcase classname="pkg.T" name="passes"/>
  <testcase classname="pkg.T" name="races" file="tests/test_t.py" line="7">
    <failure message="timed out waiting">Traceback...</failure>
  </testcase>
  <testcase classname="pkg.T" name="breaks" file="tests/test_t.py" line="12">
    <failure message="expected 1, got 2">Traceback...</failure>
  </testcase>
</testsuite>
"""


def entry(classname: str, name: str, file: str = "", reason: str = "races on CI", owner: str = "") -> dict:
    """One entry as the hub's GET /api/v1/quarantine lists it."""
    return {
        "id": 1,
        "test": {
            "id": 10,
            "suite": "",
            "classname": classname,
            "name": name,
            "file": file,
            "key": test_key((classname, name, file)).hex(),
        },
        "reason": reason,
        "owner": owner,
        "automatic": False,
        "created_by": "olivia",
        "created_at": "2026-11-01T10:00:00Z",
        "expires_at": "2026-12-01T10:00:00Z",
    }


def quarantine_answer(*entries: dict) -> dict:
    return {"project": "octo/app", "entries": list(entries)}


UPLOADED = {"upload": 1, "run": {"id": 7, "url": f"{HUB}/runs/7"}, "job": {"id": 3}, "results": 3}


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "TEST-t.xml").write_text(TWO_FAILURES)
    return tmp_path


@pytest.fixture
def hub():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, REPORTS_URL, json=UPLOADED, status=201)
        yield mock


def env(workdir: Path, **extra: str) -> dict[str, str]:
    return {
        "ORCHESTRATE_RUN_ID": "run-1",
        "ORCHESTRATE_REPOSITORY": "octo/app",
        "ORCHESTRATE_COMMIT_SHA": "a" * 40,
        "ORCHESTRATE_JOB_NAME": "tests",
        "ORCHESTRATE_HUB_URL": HUB,
        "ORCHESTRATE_TOKEN": "orch_a_secret",
        "ORCHESTRATE_SPOOL_DIR": str(workdir / "spool"),
        **extra,
    }


def report(environ: dict[str, str], *flags: str) -> ExitStatus:
    return main(
        ["report", "--junit", "reports/*.xml", "--fail-on", "unquarantined", *flags], environ, sleep=Sleeps()
    )


def uploaded_case_names(hub) -> list[str]:
    [upload] = [call for call in hub.calls if call.request.url == REPORTS_URL]
    return [case["name"] for case in json.loads(gzip.decompress(upload.request.body))["cases"]]


def test_the_step_passes_when_every_failure_is_quarantined(workdir, hub, capsys):
    hub.add(
        responses.GET,
        QUARANTINE_URL,
        json=quarantine_answer(
            entry("pkg.T", "races", "tests/test_t.py"), entry("pkg.T", "breaks", "tests/test_t.py")
        ),
    )

    assert report(env(workdir)) is ExitStatus.OK


def test_the_step_fails_when_a_failure_is_outside_the_quarantine(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer(entry("pkg.T", "races", "tests/test_t.py")))

    assert report(env(workdir)) is ExitStatus.TESTS_FAILED


def test_quarantined_failures_are_still_uploaded(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer(entry("pkg.T", "races", "tests/test_t.py")))

    report(env(workdir))

    assert uploaded_case_names(hub) == ["passes", "races", "breaks"]


def test_the_summary_names_the_quarantined_failures_and_why(workdir, hub, capsys):
    hub.add(
        responses.GET,
        QUARANTINE_URL,
        json=quarantine_answer(
            entry("pkg.T", "races", "tests/test_t.py", reason="slow runner", owner="team-web")
        ),
    )

    report(env(workdir))

    out = capsys.readouterr().out
    assert "1 of them quarantined (they do not fail the step), 1 not quarantined" in out
    assert "FAILED (quarantined) pkg.T.races [tests/test_t.py:7]" in out
    assert "quarantined: slow runner, owner team-web" in out
    assert "FAILED pkg.T.breaks [tests/test_t.py:12]" in out


def test_a_test_matches_only_with_the_same_file(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer(entry("pkg.T", "races", "tests/other.py")))

    report(env(workdir))

    assert "quarantined" not in capsys.readouterr().out


def test_it_asks_for_the_named_project_with_the_agent_token(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer())

    report(env(workdir), "--project", "octo/app")

    [call] = [call for call in hub.calls if call.request.method == "GET"]
    assert call.request.url == f"{QUARANTINE_URL}?project=octo%2Fapp"
    assert call.request.headers["Authorization"] == "Bearer orch_a_secret"


def test_an_unreachable_hub_fails_safe_on_any_failure_and_says_so(workdir, capsys):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as hub:
        hub.add(responses.GET, QUARANTINE_URL, body=requests.ConnectionError("connection refused"))
        hub.add(responses.POST, REPORTS_URL, body=requests.ConnectionError("connection refused"))
        status = report(env(workdir, ORCHESTRATE_RETRIES="0"))

    err = capsys.readouterr().err
    assert status is ExitStatus.TESTS_FAILED
    assert "cannot fetch the quarantine list: the hub could not be reached" in err
    assert "every failure fails the step (fail safe)" in err


def test_a_refused_token_fails_safe(workdir, hub, capsys):
    hub.add(
        responses.GET,
        QUARANTINE_URL,
        json={"error": {"code": "authentication_failed", "message": "Invalid or revoked agent token."}},
        status=401,
    )

    assert report(env(workdir)) is ExitStatus.TESTS_FAILED
    assert "the hub refused (401): Invalid or revoked agent token." in capsys.readouterr().err


def test_an_answer_that_is_not_a_list_fails_safe(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json={"entries": [{"test": {"key": "not-hex"}}]})

    assert report(env(workdir)) is ExitStatus.TESTS_FAILED
    assert "not a quarantine list: an entry has no valid test key" in capsys.readouterr().err


def test_without_a_hub_it_fails_safe(workdir, capsys):
    environ = env(workdir)
    del environ["ORCHESTRATE_HUB_URL"]

    assert report(environ) is ExitStatus.TESTS_FAILED
    assert "cannot fetch the quarantine list: no hub configured" in capsys.readouterr().err


def test_a_passing_report_passes_without_asking_twice(workdir, hub, capsys):
    (workdir / "reports" / "TEST-t.xml").write_text(
        '<testsuite><testcase classname="a" name="b"/></testsuite>'
    )
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer())

    assert report(env(workdir)) is ExitStatus.OK
    assert [call.request.method for call in hub.calls] == ["GET", "POST"]


def test_json_output_reports_the_quarantine(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer(entry("pkg.T", "races", "tests/test_t.py")))

    report(env(workdir), "--json")

    document = json.loads(capsys.readouterr().out)
    assert document["quarantine"] == {
        "state": "fetched",
        "message": "1 quarantined tests",
        "entries": 1,
        "failures_quarantined": 1,
    }


def test_on_github_the_summary_and_annotations_mark_quarantined_failures(workdir, hub, capsys):
    hub.add(responses.GET, QUARANTINE_URL, json=quarantine_answer(entry("pkg.T", "races", "tests/test_t.py")))
    environ = env(
        workdir,
        GITHUB_ACTIONS="true",
        GITHUB_STEP_SUMMARY=str(workdir / "summary.md"),
        GITHUB_OUTPUT=str(workdir / "output.txt"),
    )

    report(environ)

    summary = (workdir / "summary.md").read_text()
    assert "**Quarantined:** 1 of the 2 failures" in summary
    assert "failed (quarantined: races on CI)" in summary
    out = capsys.readouterr().out
    assert "::warning file=tests/test_t.py,line=7,title=Quarantined%3A pkg.T.races::timed out waiting" in out
    assert "::error file=tests/test_t.py,line=12,title=pkg.T.breaks::expected 1, got 2" in out


def test_other_fail_on_policies_do_not_fetch_the_list(workdir, hub, capsys):
    main(["report", "--junit", "reports/*.xml", "--fail-on", "failures"], env(workdir), sleep=Sleeps())

    assert [call.request.method for call in hub.calls] == ["POST"]


def many_failures(count: int, then: str = "") -> str:
    cases = "".join(
        f'<testcase classname="pkg.M" name="t{i}"><failure message="x"/></testcase>' for i in range(count)
    )
    return f"<testsuite>{cases}{then}</testsuite>"


def test_every_failure_is_matched_not_only_those_the_summary_keeps(workdir, hub, capsys):
    (workdir / "reports" / "TEST-t.xml").write_text(
        many_failures(250, '<testcase classname="pkg.M" name="late"><failure message="x"/></testcase>')
    )
    hub.add(
        responses.GET, QUARANTINE_URL, json=quarantine_answer(*(entry("pkg.M", f"t{i}") for i in range(250)))
    )

    assert report(env(workdir)) is ExitStatus.TESTS_FAILED
    assert "250 of them quarantined (they do not fail the step), 1 not quarantined" in capsys.readouterr().out


def test_hundreds_of_quarantined_failures_pass(workdir, hub, capsys):
    (workdir / "reports" / "TEST-t.xml").write_text(many_failures(250))
    hub.add(
        responses.GET, QUARANTINE_URL, json=quarantine_answer(*(entry("pkg.M", f"t{i}") for i in range(250)))
    )

    assert report(env(workdir)) is ExitStatus.OK
