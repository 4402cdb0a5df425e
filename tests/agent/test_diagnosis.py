"""``agent.diagnosis``: the lines of a failed log that explain the failure, numbered as in the raw log."""

from __future__ import annotations

from agent.diagnosis import MAX_LINES, diagnose


def shown(log: str, baseline: str | None = None) -> dict[int, str]:
    return dict(diagnose(log, baseline).excerpt())


def numbered(*lines: str) -> str:
    return "\n".join(lines) + "\n"


def test_line_numbers_are_the_raw_logs_one_based_a_line_per_newline():
    log = numbered("step one", "step two", "\x1b[31mError: boom\x1b[0m", "done\r")

    assert shown(log) == {3: "Error: boom"}


def test_github_timestamps_and_group_markers_are_not_part_of_a_line():
    log = numbered(
        "2026-11-30T10:00:01.1234567Z ##[group]Run make test",
        "2026-11-30T10:00:01.2234567Z make test",
        "2026-11-30T10:00:01.3234567Z ##[endgroup]",
        "2026-11-30T10:00:02.0000000Z E       assert 3 == 4",
    )

    assert shown(log) == {4: "E       assert 3 == 4"}


def test_an_error_the_ci_flagged_is_shown_but_its_exit_code_line_only_when_nothing_better_is_there():
    flagged = numbered("ok", "##[error]The job exceeded the maximum execution time of 360 minutes.")
    exit_only = numbered("compiling", "##[error]Process completed with exit code 2.")

    assert shown(flagged) == {2: "The job exceeded the maximum execution time of 360 minutes."}
    assert shown(exit_only) == {2: "Process completed with exit code 2."}


def test_gitlab_section_markers_and_colours_are_removed():
    log = numbered(
        "section_start:1700000000:step_script\r\x1b[0K\x1b[36;1mExecuting step_script\x1b[0;m",
        "\x1b[31;1m--- FAIL: TestAdd (0.00s)\x1b[0;m",
        "    add_test.go:9: Add(2, 2) = 5; want 4",
        "section_end:1700000001:step_script\r\x1b[0K",
    )

    assert shown(log) == {2: "--- FAIL: TestAdd (0.00s)", 3: "    add_test.go:9: Add(2, 2) = 5; want 4"}


def test_a_progress_bar_redrawn_with_carriage_returns_is_never_shown():
    log = numbered(
        "Downloading error-stack-parser 10%\rDownloading error-stack-parser 100% 1.2 MB", "fatal: x"
    )

    assert shown(log) == {2: "fatal: x"}


def test_a_python_traceback_is_shown_from_its_header_to_the_exception():
    log = numbered(
        "Applying migrations",
        "Traceback (most recent call last):",
        '  File "manage.py", line 22, in <module>',
        "    main()",
        "django.core.exceptions.FieldError: Cannot resolve keyword 'totl' into field.",
        "Cleaning up",
    )

    assert sorted(shown(log)) == [2, 3, 4, 5]


def test_maven_compile_errors_keep_their_symbol_lines_and_drop_mavens_advice():
    log = numbered(
        "[ERROR] COMPILATION ERROR : ",
        "[ERROR] /repo/App.java:[12,16] cannot find symbol",
        "  symbol:   method totl(int)",
        "  location: class com.example.App",
        "[INFO] BUILD FAILURE",
        "[ERROR] -> [Help 1]",
        "[ERROR] Re-run Maven using the -X switch to enable full debug logging.",
    )

    assert sorted(shown(log)) == [2, 3, 4]


def test_gradles_what_went_wrong_block_ends_where_its_advice_begins():
    log = numbered(
        "FAILURE: Build failed with an exception.",
        "",
        "* What went wrong:",
        "Execution failed for task ':app:test'.",
        "> There were failing tests.",
        "",
        "* Try:",
        "> Run with --stacktrace option to get the stack trace.",
    )

    assert sorted(shown(log)) == [3, 4, 5]


def test_npm_errors_are_shown_without_npms_boilerplate():
    log = numbered(
        "npm ERR! code ERESOLVE",
        "npm ERR! ERESOLVE unable to resolve dependency tree",
        "npm ERR! A complete log of this run can be found in: /root/.npm/_logs/debug-0.log",
    )

    assert sorted(shown(log)) == [2]


def test_a_rust_error_is_shown_with_its_source_snippet():
    log = numbered(
        "   Compiling shop v0.1.0",
        "error[E0425]: cannot find value `totl` in this scope",
        " --> src/main.rs:4:20",
        "  |",
        '4 |     println!("{}", totl);',
        "  |                    ^^^^ not found in this scope",
        "",
        "error: could not compile `shop` due to 1 previous error",
    )

    assert sorted(shown(log)) == [2, 3, 4, 5, 6]


def test_lint_findings_are_shown_one_per_line():
    log = numbered("flake8 src", "src/views.py:3:1: F401 'os' imported but unused", "Found 1 error.")

    assert sorted(shown(log)) == [2]


def test_a_formatters_check_is_shown_with_the_file_and_diff_it_complained_about():
    log = numbered(
        "##[group]Run ruff format --check .",
        "##[endgroup]",
        "unformatted: File would be reformatted",
        " --> app.py:2:1",
        "  - x=1",
        "2 + x = 1",
        "",
        "1 file would be reformatted",
        "##[error]Process completed with exit code 1.",
    )

    assert shown(log) == {
        3: "unformatted: File would be reformatted", 4: " --> app.py:2:1", 5: "  - x=1", 6: "2 + x = 1",
        8: "1 file would be reformatted",
    }  # fmt: skip


def test_the_excerpt_never_exceeds_its_line_budget_and_keeps_the_first_errors():
    log = numbered(*(f"src/m{i}.py:{i}:1: E501 line too long" for i in range(1, 500)))

    lines = shown(log)
    assert len(lines) == MAX_LINES
    assert min(lines) == 1


def test_a_line_the_passing_log_printed_too_is_not_the_error():
    noise = "ERROR:shop.worker:card declined (expected in test_declined_card)"
    failing = numbered("collecting", noise, "fatal: remote rejected the push")
    passing = numbered("collecting", noise, "31 passed")

    assert 2 in shown(failing)
    assert 2 not in shown(failing, passing)


def test_a_log_no_detector_understands_shows_its_last_lines():
    log = numbered(*(f"line {i}" for i in range(1, 30)))

    assert sorted(shown(log)) == list(range(20, 30))


def test_the_json_form_names_spans_by_their_first_and_last_line():
    log = numbered("ok", "Traceback (most recent call last):", '  File "x.py", line 1', "ValueError: bad")

    document = diagnose(log, categorise=lambda text: ("assertion", "python-value-error")).as_json()

    assert document == {
        "category": "assertion",
        "rule": "python-value-error",
        "spans": [{"first_line": 2, "last_line": 4}],
    }


def test_the_category_is_decided_on_the_explaining_lines_not_the_whole_log():
    log = numbered("ModuleNotFoundError in an old warning we print", *(["x"] * 100), "E   assert 3 == 4")
    seen: list[str] = []

    diagnose(log, categorise=lambda text: seen.append(text) or ("assertion", "r"))

    assert seen == ["E   assert 3 == 4"]
