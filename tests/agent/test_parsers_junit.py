"""JUnit XML: the rules every dialect shares, one behaviour per test."""

from __future__ import annotations

from agent.model import MAX_OUTPUT_CHARS, MAX_TRACE_CHARS, ReportParseError, Rerun, Status, clip
from agent.parsers import read_report


def cases_of(path):
    return list(read_report(path))


def suite(body: str, attrs: str = 'name="S"') -> str:
    return f'<?xml version="1.0"?>\n<testsuites><testsuite {attrs}>{body}</testsuite></testsuites>'


def test_it_marks_failure_failed_error_error_and_skipped_skipped(report_file) -> None:
    path = report_file(
        suite(
            '<testcase name="a"><failure/></testcase><testcase name="b"><error/></testcase>'
            '<testcase name="c"><skipped/></testcase><testcase name="d"/>'
        )
    )

    assert [c.status for c in cases_of(path)] == [Status.FAILED, Status.ERROR, Status.SKIPPED, Status.PASSED]


def test_it_counts_disabled_tests_as_skipped(report_file) -> None:
    path = report_file(
        suite('<testcase name="a"><disabled/></testcase><testcase name="b" status="disabled"/>')
    )

    assert [c.status for c in cases_of(path)] == [Status.SKIPPED, Status.SKIPPED]


def test_it_keeps_every_flaky_attempt_before_a_final_pass(report_file) -> None:
    path = report_file(
        suite(
            '<testcase name="t" time="3">'
            '<flakyFailure message="one" type="AssertionError" time="1"><stackTrace>trace one</stackTrace>'
            "</flakyFailure>"
            '<flakyError message="two" type="IOError"><stackTrace>trace two</stackTrace></flakyError>'
            "</testcase>"
        )
    )

    [case] = cases_of(path)

    assert case.status is Status.PASSED
    assert case.is_flaky_in_job
    assert case.reruns == (
        Rerun(Status.FAILED, 1.0, "one", "AssertionError", "trace one"),
        Rerun(Status.ERROR, None, "two", "IOError", "trace two"),
    )


def test_it_keeps_failed_reruns_in_run_order_with_the_last_as_final_outcome(report_file) -> None:
    path = report_file(
        suite(
            '<testcase name="t"><failure message="run 1" type="E">trace 1</failure>'
            '<rerunFailure message="run 2" type="E"><stackTrace>trace 2</stackTrace></rerunFailure>'
            '<rerunFailure message="run 3" type="E"><stackTrace>trace 3</stackTrace></rerunFailure>'
            "</testcase>"
        )
    )

    [case] = cases_of(path)

    assert (case.status, case.message, case.trace) == (Status.FAILED, "run 3", "trace 3")
    assert [(r.status, r.message, r.trace) for r in case.reruns] == [
        (Status.FAILED, "run 1", "trace 1"),
        (Status.FAILED, "run 2", "trace 2"),
    ]


def test_it_reads_an_attempts_trace_written_directly_in_the_element(report_file) -> None:
    path = report_file(
        suite('<testcase name="t"><flakyFailure type="E">direct trace</flakyFailure></testcase>')
    )

    [case] = cases_of(path)

    assert case.reruns[0].trace == "direct trace"
    assert case.reruns[0].message == "direct trace"


def test_it_keeps_the_same_test_twice_as_two_cases(report_file) -> None:
    path = report_file(
        suite('<testcase classname="C" name="t"><failure/></testcase><testcase classname="C" name="t"/>')
    )

    assert [(c.name, c.status) for c in cases_of(path)] == [("t", Status.FAILED), ("t", Status.PASSED)]


def test_it_uses_the_suite_name_when_classname_is_missing(report_file) -> None:
    [case] = cases_of(report_file(suite('<testcase name="t"/>', 'name="my.Suite"')))

    assert (case.classname, case.suite) == ("my.Suite", "my.Suite")


def test_it_names_the_innermost_suite_of_nested_suites(report_file) -> None:
    body = (
        '<testsuite name="inner"><testcase classname="C" name="t"/></testsuite>'
        '<testcase classname="C" name="u"/>'
    )
    path = report_file(suite(body, 'name="outer"'))

    assert [(c.name, c.suite) for c in cases_of(path)] == [("t", "inner"), ("u", "outer")]


def test_it_takes_file_and_line_from_the_case(report_file) -> None:
    [case] = cases_of(
        report_file(suite('<testcase name="t" file="a_test.py" line="42"/>', 'name="S" file="s.py"'))
    )

    assert (case.file, case.line) == ("a_test.py", 42)


def test_it_falls_back_on_the_suites_file(report_file) -> None:
    [case] = cases_of(report_file(suite('<testcase name="t"/>', 'name="S" file="spec/a.spec.js"')))

    assert (case.file, case.line) == ("spec/a.spec.js", None)


def test_it_reads_a_bare_testsuite_root(report_file) -> None:
    path = report_file('<testsuite name="S" tests="1"><testcase classname="C" name="t"/></testsuite>')
    reader = read_report(path)

    assert [c.name for c in reader] == ["t"]
    assert reader.suites == 1


def test_it_reads_times_with_thousands_separators(report_file) -> None:
    [case] = cases_of(report_file(suite('<testcase name="t" time="1,234.5"/>')))

    assert case.duration == 1234.5


def test_it_leaves_missing_or_garbage_times_empty(report_file) -> None:
    path = report_file(
        suite('<testcase name="a"/><testcase name="b" time="soon"/><testcase name="c" time="-2"/>')
    )

    assert [c.duration for c in cases_of(path)] == [None, None, None]


def test_it_keeps_message_type_and_trace_of_a_failure(report_file) -> None:
    path = report_file(
        suite('<testcase name="t"><failure message="m" type="T"><![CDATA[at x()]]></failure></testcase>')
    )

    [case] = cases_of(path)

    assert (case.message, case.failure_type, case.trace) == ("m", "T", "at x()")


def test_it_takes_the_message_from_the_traces_first_line_when_there_is_no_attribute(report_file) -> None:
    path = report_file(suite('<testcase name="t"><failure>\nError: boom\n  at x()</failure></testcase>'))

    [case] = cases_of(path)

    assert case.message == "Error: boom"


def test_it_bounds_a_huge_trace_as_the_model_clips_it(report_file) -> None:
    trace = "x" * (MAX_TRACE_CHARS * 3)
    [case] = cases_of(
        report_file(suite(f'<testcase name="t"><failure message="m">{trace}</failure></testcase>'))
    )

    assert case.trace == clip(trace, MAX_TRACE_CHARS)


def test_it_bounds_huge_output_as_the_model_clips_it(report_file) -> None:
    output = "line\n" * MAX_OUTPUT_CHARS
    [case] = cases_of(report_file(suite(f'<testcase name="t"><system-out>{output}</system-out></testcase>')))

    assert case.stdout == clip(output, MAX_OUTPUT_CHARS)


def test_it_keeps_the_cases_output_and_errors(report_file) -> None:
    body = '<testcase name="t"><system-out>out</system-out><system-err>err</system-err></testcase>'
    [case] = cases_of(report_file(suite(body)))

    assert (case.stdout, case.stderr) == ("out", "err")


def test_it_keeps_the_cases_properties_in_order(report_file) -> None:
    body = (
        '<testcase name="t"><properties><property name="b" value="2"/><property name="a" value="1"/>'
        "</properties></testcase>"
    )
    [case] = cases_of(
        report_file(suite(f'<properties><property name="suite" value="x"/></properties>{body}'))
    )

    assert case.properties == (("b", "2"), ("a", "1"))


def test_it_counts_suites(report_file) -> None:
    path = report_file(
        '<testsuites><testsuite name="a"><testsuite name="a1"/></testsuite><testsuite name="b"/></testsuites>'
    )
    reader = read_report(path)
    list(reader)

    assert reader.suites == 3


def test_it_yields_the_cases_before_damage_then_raises_with_line_and_column(report_file) -> None:
    path = report_file('<testsuites>\n<testsuite name="S">\n<testcase name="ok"/>\n<testcase name="cut"')
    seen = []

    try:
        for case in read_report(path):
            seen.append(case.name)
    except ReportParseError as exc:
        error = exc.error
    else:
        raise AssertionError("a truncated report must raise")

    assert seen == ["ok"]
    assert (error.path, error.line) == (str(path), 4)
    assert error.column is not None
    assert "truncated" in error.message


def test_iterating_again_rereads_the_file_and_recounts_suites(report_file) -> None:
    reader = read_report(report_file(suite('<testcase name="t"/>')))

    assert [c.name for c in reader] == [c.name for c in reader] == ["t"]
    assert reader.suites == 1


def test_it_yields_early_cases_before_reading_the_rest_of_the_file(report_file) -> None:
    many = "".join(f'<testcase classname="C" name="t{i}"/>' for i in range(50_000))  # about 2 MB
    reader = read_report(report_file(f'<testsuite name="S">{many}<testcase name="broken'))
    cases = iter(reader)

    assert next(cases).name == "t0"  # the damage at the end has not been read yet


def test_a_case_with_child_elements_reads_its_attributes_as_a_plain_one_does(report_file) -> None:
    attributes = 'name="t" class="C" filepath="c.py" line="7" time="1,5" status="disabled"'
    body = f"<testcase {attributes}/><testcase {attributes}><properties/></testcase>"

    plain, with_children = cases_of(report_file(suite(body, 'name="S" file="s.py"')))

    assert plain == with_children
    assert (plain.classname, plain.file, plain.line, plain.duration, plain.status) == (
        "C",
        "c.py",
        7,
        1.5,
        Status.SKIPPED,
    )
