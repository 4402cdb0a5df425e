"""``orchestrate validate`` against a real small web application: built, started in its own process group,
health-checked, smoke-tested, and stopped with everything it started, whatever step fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.cli import ExitStatus, main
from agent.validate.config import ValidateConfig
from agent.validate.pipeline import validate
from tests.agent.validate.conftest import PYTHON, env, group_members, pids, running


def start(app: Path, port: int) -> str:
    return f"{PYTHON} {app} {port}"


def run(argv: list[str], capsys: pytest.CaptureFixture[str], **extra: str) -> tuple[ExitStatus, dict, str]:
    status = main(["validate", *argv, "--json"], env(**extra))
    out, err = capsys.readouterr()
    return status, json.loads(out) if out.strip() else {}, err


def test_it_validates_a_running_application_and_stops_it(app, port, tmp_path, capsys):
    argv = ["--start", start(app, port), "--port", str(port), "--health-path", "/healthz"]
    argv += ["--smoke", "GET /items 200", "--smoke", "GET /missing 404"]

    status, result, err = run(argv, capsys, PIDS=str(tmp_path / "pids"))

    assert status is ExitStatus.OK
    assert result["ok"] is True
    assert [step["name"] for step in result["steps"]] == ["start", "health", "smoke", "smoke"]
    assert "smoke GET /items: 200" in err
    assert pids(tmp_path / "pids")
    assert not any(running(pid) for pid in pids(tmp_path / "pids"))


def test_progress_goes_to_stderr_and_the_result_to_stdout(app, port, capsys):
    status = main(["validate", "--start", start(app, port), "--port", str(port)], env())
    out, err = capsys.readouterr()

    assert status is ExitStatus.OK
    assert "starting:" in err
    assert "stopping process group" in err
    assert out.splitlines()[-1] == "validated: start, health passed"


def test_a_health_check_that_never_passes_fails_after_its_timeout(app, port, tmp_path, capsys):
    argv = ["--start", start(app, port), "--port", str(port), "--health-path", "/healthz"]
    argv += ["--health-timeout", "1.5"]

    status, result, err = run(argv, capsys, HEALTH="503", PIDS=str(tmp_path / "pids"))

    assert status is ExitStatus.VALIDATE_FAILED
    assert result["failed_step"] == "health"
    assert "answered 503, expected 200" in result["reason"]
    assert "(try 2)" in err  # it backed off and tried again
    assert not any(running(pid) for pid in pids(tmp_path / "pids"))


def test_an_application_that_exits_fails_the_health_check_at_once(app, port, capsys):
    argv = ["--start", f"{PYTHON} -c 'import sys; print(\"boom\"); sys.exit(3)'", "--port", str(port)]

    status, result, _ = run([*argv, "--health-timeout", "60"], capsys)

    assert status is ExitStatus.VALIDATE_FAILED
    assert "exited with code 3" in result["reason"]
    assert "boom" in result["logs"]["start"]
    assert sum(step["seconds"] for step in result["steps"]) < 30


def test_a_failing_build_stops_before_starting(app, port, tmp_path, capsys):
    marker = tmp_path / "started"
    argv = ["--build", "echo compiling; exit 4", "--start", f"touch {marker}", "--port", str(port)]

    status, result, _ = run(argv, capsys)

    assert status is ExitStatus.VALIDATE_FAILED
    assert (result["failed_step"], result["reason"]) == ("build", "exited with code 4; see the build log")
    assert "compiling" in result["logs"]["build"]
    assert not marker.exists()


def test_a_build_past_its_timeout_is_stopped_and_fails(app, port, tmp_path, capsys):
    build = (
        f'{PYTHON} -c \'import os, time; open("{tmp_path}/b", "w").write(str(os.getpid())); time.sleep(60)\''
    )

    status, result, _ = run(
        ["--build", build, "--build-timeout", "1", "--start", "true", "--port", str(port)], capsys
    )

    assert status is ExitStatus.VALIDATE_FAILED
    assert result["failed_step"] == "build"
    assert "still running after 1 s" in result["reason"]
    assert not running(int((tmp_path / "b").read_text()))


def test_a_start_command_that_forks_has_all_its_processes_stopped(app, port, tmp_path, capsys):
    command = f"{start(app, port)} & sleep 300 & echo $! >> {tmp_path}/pids; wait"

    status, result, _ = run(
        ["--start", command, "--port", str(port)], capsys, WORKERS="3", PIDS=str(tmp_path / "pids")
    )

    assert status is ExitStatus.OK
    started = pids(tmp_path / "pids")
    assert len(started) == 5  # sleep, three workers, the server
    assert not any(running(pid) for pid in started)
    group = int(result["steps"][0]["detail"].removeprefix("process group "))
    assert group_members(group) == []


def test_a_process_that_ignores_sigterm_is_killed_after_the_stop_timeout(app, port, tmp_path, capsys):
    stubborn = (
        f"{PYTHON} -c 'import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        f'open("{tmp_path}/s", "w").write(str(os.getpid())); time.sleep(300)\''
    )
    # The application starts only once the stubborn process ignores SIGTERM (it wrote its pid after that):
    # otherwise a quick health check could stop it before it had.
    waits = f"while [ ! -s {tmp_path}/s ]; do sleep 0.05; done"
    command = f"{stubborn} & {waits}; {start(app, port)}"

    status, _, _ = run(["--start", command, "--port", str(port), "--stop-timeout", "0.5"], capsys)

    assert status is ExitStatus.OK
    assert not running(int((tmp_path / "s").read_text()))


def test_a_smoke_request_answering_another_status_fails(app, port, capsys):
    argv = ["--start", start(app, port), "--port", str(port), "--smoke", "GET /nowhere 200"]

    status, result, _ = run(argv, capsys)

    assert status is ExitStatus.VALIDATE_FAILED
    assert result["failed_step"] == "smoke"
    assert result["reason"] == "GET /nowhere answered 404, expected 200"


def test_it_reads_the_validate_section_of_the_configuration_file(app, port, tmp_path, capsys):
    (tmp_path / ".orchestrate.yml").write_text(
        "validate:\n"
        f"  start: {PYTHON} app.py ${{APP_PORT}}\n"
        "  health: {port: " + str(port) + ", path: /healthz}\n"
        "  env: {HEALTH: '200'}\n"
        "  smoke:\n"
        "    - {method: GET, path: /items, contains: pear}\n"
        "    - {method: POST, path: /items, body: '{}', contains: plum}\n"
    )

    status, result, _ = run([], capsys, APP_PORT=str(port))

    assert status is ExitStatus.VALIDATE_FAILED
    assert result["steps"][2]["detail"] == "GET /items answered 200"
    assert result["reason"] == "POST /items: the answer does not contain 'plum'"


def test_an_unknown_key_in_the_section_is_a_usage_error(app, tmp_path, capsys):
    (tmp_path / ".orchestrate.yml").write_text("validate:\n  start: x\n  helth: {port: 8000}\n")

    assert main(["validate"], env()) is ExitStatus.USAGE
    assert "unknown key(s) helth" in capsys.readouterr().err


def test_without_a_start_command_it_says_what_to_set(app, capsys):
    assert main(["validate", "--port", "8000"], env()) is ExitStatus.USAGE
    assert "pass --start COMMAND or add validate: start:" in capsys.readouterr().err


def test_the_logs_kept_are_redacted(app, port, capsys):
    status, result, _ = run(["--start", start(app, port), "--port", str(port)], capsys)

    assert status is ExitStatus.OK
    assert "token=[REDACTED]" in result["logs"]["start"]
    assert "ghp_abcdefghijklmnopqrstuvwx" not in json.dumps(result)


def test_the_logs_kept_are_bounded_to_their_tail(app, port, tmp_path, capsys):
    (tmp_path / ".orchestrate.yml").write_text(
        f"validate:\n  max_log_bytes: 1000\n  health: {{port: {port}}}\n"
    )

    status, result, _ = run(["--start", start(app, port)], capsys, NOISE="50000")

    assert status is ExitStatus.OK
    log = result["logs"]["start"]
    assert log.startswith("[... ")
    assert "earlier bytes left out" in log
    assert len(log.encode()) < 1100


def test_an_interrupt_while_waiting_stops_what_was_started(app, port, tmp_path):
    config = ValidateConfig(
        start=f"{PYTHON} {app} {port}", health_url=f"http://127.0.0.1:{port}/healthz", smoke=()
    )

    def interrupt(line: str) -> None:
        if "answered 503" in line:  # the application is up and writing its pid
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        validate(config, env(HEALTH="503", PIDS=str(tmp_path / "pids")), progress=interrupt)

    assert pids(tmp_path / "pids")
    assert not any(running(pid) for pid in pids(tmp_path / "pids"))
