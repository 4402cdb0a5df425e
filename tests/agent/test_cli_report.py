"""``orchestrate report``: parse, save, upload with a stable key, fail open, and speak GitHub Actions.

The hub is a real HTTP server in-process (``FakeHub``); sleeping is injected so retries do not wait.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main
from agent.upload import idempotency_key, read_key
from tests.agent.test_hub_client import Answer, FakeHub, Sleeps, accepted, error, serve_hubs


@pytest.fixture
def fake_hub() -> Iterator[Callable[..., FakeHub]]:
    yield from serve_hubs()


HEAD_SHA = "a" * 40

REPORT = """<?xml version="1.0"?>
<testsuite name="suite" tests="3">
  <testcase classname="pkg.T" name="passes" time="2.5"/>
  <testcase classname="pkg.T" name="fails" file="tests/test_t.py" line="12" time="0.1">
    <failure message="expected 1, got 2">Traceback...</failure>
  </testcase>
  <testcase classname="pkg.T" name="skips"><skipped/></testcase>
</testsuite>
"""
ERRORED = (
    '<testsuite name="s"><testcase classname="pkg.U" name="errs"><error message="boom"/></testcase>'
    + "</testsuite>"
)
PASSING = """<testsuite name="s"><testcase classname="pkg.V" name="ok"/></testsuite>"""


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "TEST-t.xml").write_text(REPORT)
    return tmp_path


def ci_env(workdir: Path, **extra: str) -> dict[str, str]:
    """A generic CI run described by ORCHESTRATE_* variables, with a token."""
    return {
        "ORCHESTRATE_RUN_ID": "run-1",
        "ORCHESTRATE_REPOSITORY": "octo/app",
        "ORCHESTRATE_COMMIT_SHA": HEAD_SHA,
        "ORCHESTRATE_JOB_NAME": "tests",
        "ORCHESTRATE_TOKEN": "orch_a_secret",
        "ORCHESTRATE_SPOOL_DIR": str(workdir / "spool"),
        **extra,
    }


def github_env(workdir: Path, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "octo/app",
        "GITHUB_RUN_ID": "555",
        "GITHUB_RUN_ATTEMPT": "2",
        "GITHUB_JOB": "unit",
        "GITHUB_EVENT_NAME": "push",
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_SHA": HEAD_SHA,
        "GITHUB_STEP_SUMMARY": str(workdir / "summary.md"),
        "GITHUB_OUTPUT": str(workdir / "output.txt"),
        "ORCHESTRATE_TOKEN": "orch_a_secret",
        "ORCHESTRATE_SPOOL_DIR": str(workdir / "spool"),
        **extra,
    }


def unreachable_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def report(env: dict[str, str], *flags: str, sleep: Sleeps | None = None) -> ExitStatus:
    return main(
        ["report", "--junit", "reports/*.xml", *flags], env, sleep=sleep if sleep is not None else Sleeps()
    )


def sent_document(hub) -> dict:
    return json.loads(gzip.decompress(hub.received[0].body))


def test_it_uploads_the_report_with_the_detected_context(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    assert report(github_env(workdir), "--hub", hub.url) is ExitStatus.OK
    document = sent_document(hub)
    assert document["run"]["provider"] == "github"
    assert (document["run"]["run_id"], document["run"]["attempt"]) == ("555", 2)
    assert document["run"]["commit_sha"] == HEAD_SHA
    assert document["job"] == {"name": "unit"}
    assert [c["name"] for c in document["cases"]] == ["passes", "fails", "skips"]


def test_it_sends_the_idempotency_key_of_the_document(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    report(ci_env(workdir), "--hub", hub.url)
    (sent,) = hub.received
    document_sha256 = __import__("hashlib").sha256(gzip.decompress(sent.body)).hexdigest()
    from agent.ci import detect

    assert sent.headers["Idempotency-Key"] == idempotency_key(detect(ci_env(workdir)), document_sha256)
    assert sent.headers["Authorization"] == "Bearer orch_a_secret"


def test_the_same_job_reporting_twice_sends_the_same_key(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted(), accepted(duplicate=True))
    report(ci_env(workdir), "--hub", hub.url)
    report(ci_env(workdir), "--hub", hub.url)
    first, second = (r.headers["Idempotency-Key"] for r in hub.received)
    assert first == second


def test_another_attempt_of_the_run_sends_another_key(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    report(ci_env(workdir), "--hub", hub.url)
    report(ci_env(workdir, ORCHESTRATE_RUN_ATTEMPT="2"), "--hub", hub.url)
    first, second = (r.headers["Idempotency-Key"] for r in hub.received)
    assert first != second


def test_flags_override_the_detected_context(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    flags = ["--run-id", "r9", "--run-attempt", "4", "--commit", "b" * 40, "--branch", "dev"]
    flags += ["--pull-request", "31", "--workflow", "wf", "--job-name", "lint", "--project", "octo/app"]
    report(github_env(workdir), "--hub", hub.url, *flags)
    document = sent_document(hub)
    run = document["run"]
    assert (run["run_id"], run["attempt"], run["commit_sha"], run["branch"]) == ("r9", 4, "b" * 40, "dev")
    assert (run["pull_request"], run["workflow"], document["job"]["name"]) == (31, "wf", "lint")
    assert document["project"] == "octo/app"


def test_the_uploaded_header_lists_files_that_could_not_be_read(workdir: Path, fake_hub) -> None:
    (workdir / "reports" / "broken.xml").write_text("<testsuite><testcase")
    hub = fake_hub(accepted())
    report(ci_env(workdir), "--hub", hub.url)
    files = {Path(f["path"]).name: f for f in sent_document(hub)["files"]}
    assert files["TEST-t.xml"]["cases"] == 3
    assert "broken.xml" in files["broken.xml"]["error"]


def test_it_includes_coverage_in_the_document(workdir: Path, fake_hub) -> None:
    (workdir / "lcov.info").write_text("SF:src/a.py\nDA:1,1\nDA:2,0\nLF:2\nLH:1\nend_of_record\n")
    hub = fake_hub(accepted())
    report(ci_env(workdir), "--hub", hub.url, "--coverage", "lcov.info")
    coverage = sent_document(hub)["coverage"]
    assert (coverage["format"], coverage["lines_covered"], coverage["lines_valid"]) == ("lcov", 1, 2)


def test_it_deletes_the_saved_report_once_the_hub_has_it(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    report(ci_env(workdir), "--hub", hub.url)
    assert list((workdir / "spool").iterdir()) == []


def test_it_fails_open_when_the_hub_cannot_be_reached(workdir: Path, capsys) -> None:
    status = report(ci_env(workdir, ORCHESTRATE_RETRIES="1"), "--hub", unreachable_url())
    assert status is ExitStatus.OK
    (saved,) = (workdir / "spool").glob("*.json.gz")
    err = capsys.readouterr().err
    assert f"orchestrate upload {saved}" in err
    assert read_key(saved) is not None


def test_strict_fails_the_step_when_the_hub_cannot_be_reached(workdir: Path) -> None:
    status = report(ci_env(workdir, ORCHESTRATE_RETRIES="0"), "--hub", unreachable_url(), "--strict")
    assert status is ExitStatus.UPLOAD_FAILED


def test_it_fails_open_after_5xx_on_every_retry(workdir: Path, fake_hub) -> None:
    hub = fake_hub(Answer(502))
    sleeps = Sleeps()
    assert report(ci_env(workdir), "--hub", hub.url, "--retries", "2", sleep=sleeps) is ExitStatus.OK
    assert len(hub.received) == 3
    assert len(sleeps) == 2


def test_a_rejected_report_is_reported_clearly_without_failing_the_step(
    workdir: Path, fake_hub, capsys
) -> None:
    hub = fake_hub(error(401, "invalid_token", "The token is not valid."))
    assert report(ci_env(workdir), "--hub", hub.url) is ExitStatus.OK
    err = capsys.readouterr().err
    assert "refused the report (401 invalid_token): The token is not valid." in err
    assert len(hub.received) == 1


def test_strict_fails_the_step_on_a_rejected_report(workdir: Path, fake_hub) -> None:
    hub = fake_hub(error(422, "invalid", "run.run_id is required"))
    assert report(ci_env(workdir), "--hub", hub.url, "--strict") is ExitStatus.HUB_REJECTED


def test_without_a_hub_it_saves_the_report_and_exits_ok(workdir: Path, capsys) -> None:
    assert report(ci_env(workdir)) is ExitStatus.OK
    assert len(list((workdir / "spool").glob("*.json.gz"))) == 1
    assert "no hub configured" in capsys.readouterr().err


def test_it_warns_when_a_files_cases_disagree_with_its_header(workdir: Path, capsys) -> None:
    (workdir / "reports" / "TEST-t.xml").write_text(REPORT.replace('tests="3"', 'tests="4"'))

    assert report(ci_env(workdir)) is ExitStatus.OK

    warnings = [line for line in capsys.readouterr().err.splitlines() if "declares" in line]
    assert warnings == ["warning: reports/TEST-t.xml declares tests=4 but its cases add up to tests=3"]


@pytest.mark.parametrize(
    ("fail_on", "reports", "expected"),
    [
        ("never", [REPORT, ERRORED], ExitStatus.OK),
        ("failures", [PASSING], ExitStatus.OK),
        ("failures", [REPORT], ExitStatus.TESTS_FAILED),
        ("failures", [ERRORED], ExitStatus.TESTS_FAILED),
        ("errors", [REPORT], ExitStatus.OK),
        ("errors", [ERRORED], ExitStatus.TESTS_FAILED),
    ],
)
def test_the_exit_status_follows_fail_on(workdir: Path, fail_on: str, reports: list[str], expected) -> None:
    (workdir / "reports" / "TEST-t.xml").unlink()
    for i, text in enumerate(reports):
        (workdir / "reports" / f"r{i}.xml").write_text(text)
    assert report(ci_env(workdir), "--fail-on", fail_on) is expected


def test_it_refuses_to_run_without_a_run_id_outside_ci(workdir: Path, capsys) -> None:
    assert report({"ORCHESTRATE_SPOOL_DIR": str(workdir / "spool")}) is ExitStatus.USAGE
    assert "--run-id" in capsys.readouterr().err


def test_a_bad_setting_is_a_usage_error_naming_the_variable(workdir: Path, capsys) -> None:
    assert report(ci_env(workdir, ORCHESTRATE_TIMEOUT="soon")) is ExitStatus.USAGE
    assert "ORCHESTRATE_TIMEOUT" in capsys.readouterr().err


def test_no_matching_report_is_a_warning_unless_strict(workdir: Path, capsys) -> None:
    env = ci_env(workdir)
    assert main(["report", "--junit", "nothing/*.xml"], env) is ExitStatus.OK
    assert "no file matches nothing/*.xml" in capsys.readouterr().err
    assert main(["report", "--junit", "nothing/*.xml", "--strict"], env) is ExitStatus.NO_REPORTS


def test_it_uploads_artifacts_as_multipart_after_the_report(workdir: Path, fake_hub) -> None:
    (workdir / "shot.png").write_bytes(b"\x89PNG fake")
    hub = fake_hub(accepted(), Answer(201, {"artifact": 1}))
    report(ci_env(workdir), "--hub", hub.url, "--artifact", "*.png")
    assert [r.path for r in hub.received] == ["/api/v1/reports", "/api/v1/artifacts"]
    body = hub.received[1].body
    assert b'name="run_id"\r\n\r\nrun-1\r\n' in body
    assert (
        b'name="sha256"\r\n\r\n' + __import__("hashlib").sha256(b"\x89PNG fake").hexdigest().encode() in body
    )
    assert b'filename="shot.png"' in body


def test_json_prints_one_document_with_the_outcome(workdir: Path, fake_hub, capsys) -> None:
    hub = fake_hub(accepted())
    report(github_env(workdir), "--hub", hub.url, "--json")
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert "::add-mask::orch_a_secret" in captured.err  # workflow commands move to stderr
    assert document["upload"]["state"] == "uploaded"
    assert document["upload"]["run_url"] == "http://hub/runs/7"
    assert document["totals"]["tests"] == 3
    assert document["report"]["idempotency_key"].startswith("orc1-")


def test_on_github_the_token_is_masked_before_anything_else(workdir: Path, fake_hub, capsys) -> None:
    hub = fake_hub(accepted())
    report(github_env(workdir), "--hub", hub.url)
    assert capsys.readouterr().out.splitlines()[0] == "::add-mask::orch_a_secret"


def test_on_github_failed_tests_become_annotations(workdir: Path, fake_hub, capsys) -> None:
    hub = fake_hub(accepted())
    report(github_env(workdir), "--hub", hub.url)
    out = capsys.readouterr().out
    assert "::error file=tests/test_t.py,line=12,title=pkg.T.fails::expected 1, got 2" in out


def test_on_github_it_writes_the_job_summary_with_a_link_to_the_run(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    report(github_env(workdir), "--hub", hub.url)
    summary = (workdir / "summary.md").read_text()
    assert "(http://hub/runs/7)" in summary
    assert "pkg.T.fails" in summary


def test_on_github_it_sets_the_step_outputs(workdir: Path, fake_hub) -> None:
    hub = fake_hub(accepted())
    report(github_env(workdir), "--hub", hub.url)
    outputs = dict(line.split("=", 1) for line in (workdir / "output.txt").read_text().splitlines())
    assert outputs == {
        "tests": "3",
        "passed": "1",
        "failed": "1",
        "errors": "0",
        "skipped": "1",
        "flaky": "0",
        "report-url": "http://hub/runs/7",
    }


def test_on_github_an_unreachable_hub_is_a_warning_annotation(workdir: Path, capsys) -> None:
    report(github_env(workdir, ORCHESTRATE_RETRIES="0"), "--hub", unreachable_url())
    assert "::warning title=Orchestrate hub unavailable::" in capsys.readouterr().out


def test_elsewhere_it_prints_a_plain_text_summary(workdir: Path, capsys) -> None:
    report(ci_env(workdir))
    out = capsys.readouterr().out
    assert "Tests: 3  passed: 1  failed: 1  errors: 0  skipped: 1  flaky: 0" in out
    assert "FAILED pkg.T.fails [tests/test_t.py:12]" in out
    assert "::" not in out
