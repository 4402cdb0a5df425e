"""Each category is recognised from the messages real tools print, the rule that matched is named, users'
rules come first, a bad rule file is refused naming the rule and the problem, and logs are read from the
end within a bound."""

from __future__ import annotations

import pytest

from agent.diagnosis import categories
from agent.diagnosis.categories import LOG_TAIL_BYTES, RuleError, builtin_rules, categorise, categorise_log
from agent.parsers import read_report

# (message, failure type, trace) as test reports carry them, by category and ecosystem.
EXAMPLES = {
    "import": [
        ("ModuleNotFoundError: No module named 'requests'", "", ""),
        ("ImportError: cannot import name 'soft_unicode' from 'markupsafe'", "ImportError", ""),
        ("Cannot find module './widgets' from 'src/index.test.ts'", "Error", ""),
        ("java.lang.NoClassDefFoundError: org/slf4j/LoggerFactory", "java.lang.NoClassDefFoundError", ""),
        ("", "java.lang.ClassNotFoundException", "java.lang.ClassNotFoundException: com.acme.Widget\n\tat"),
        ("no required module provides package github.com/acme/widgets; to add it: go get", "", ""),
        ("cannot load such file -- widgets/helper", "LoadError", ""),
        ("Could not load file or assembly 'Newtonsoft.Json, Version=13.0.0.0'", "", ""),
        ("error[E0432]: unresolved import `crate::widgets`", "", ""),
    ],
    "syntax": [
        (
            "",
            "",
            'File "tests/test_widgets.py", line 12\n    def broken(:\n               ^\n'
            "SyntaxError: invalid syntax",
        ),
        ("IndentationError: unexpected indent", "IndentationError", ""),
        ("SyntaxError: Unexpected token '}'", "SyntaxError", ""),
        ("src/Widget.java:14: error: ';' expected", "", ""),
        ("./widget.go:9:2: syntax error: unexpected }, expected expression", "", ""),
        ("widget.rb:3: syntax error, unexpected end-of-input", "", ""),
    ],
    "type_check": [
        (
            "tsconfig.json:13:3 - error TS6258: 'typeRoots' should be set inside the 'compilerOptions'",
            "",
            "",
        ),
        ("src/app.ts(4,7): error TS2322: Type 'string' is not assignable to type 'number'.", "", ""),
        (
            'widgets/core.py:12: error: Incompatible types in assignment (expression has type "str", '
            'variable has type "int")  [assignment]',
            "",
            "",
        ),
        ("error[E0308]: mismatched types", "", ""),
        ("Widget.java:20: error: incompatible types: String cannot be converted to int", "", ""),
    ],
    "lint": [
        ("widgets/core.py:1:1: F401 'os' imported but unused", "", ""),
        ("would reformat widgets/core.py\nOh no! 💥 💔 💥\n1 file would be reformatted.", "", ""),
        ("✖ 3 problems (3 errors, 0 warnings)", "", ""),
        (
            "[warn] src/app.ts\n[warn] Code style issues found in the above file. Run Prettier with --write",
            "",
            "",
        ),
        ("12 files inspected, 2 offenses detected, 2 offenses autocorrectable", "", ""),
        ("main.go:12:2: Error return value of `w.Close` is not checked (errcheck)", "", ""),
    ],
    "assertion": [
        ("expected: <1> but was: <0>", "org.opentest4j.AssertionFailedError", ""),
        ("AssertionError: assert 'test' == 'xyz'\n  - xyz\n  + test", "", ""),
        ("assert False", "", ""),
        ("expect(received).toBe(expected) // Object.is equality", "Error", ""),
        ("Assert.Equal() Failure\nExpected: 1\nActual:   2", "Xunit.Sdk.EqualException", ""),
        ("Error Trace:\twidget_test.go:14\n\tError:      \tNot equal:", "", ""),
        ("assertion `left == right` failed\n  left: 1\n right: 2", "", ""),
        (
            "Failed",
            "",
            "=== RUN   TestWidgets\n    widgets_test.go:22: got 3, want 4\n--- FAIL: TestWidgets (0.00s)",
        ),
    ],
    "timeout": [
        ("First timeout", "TimeoutError", "TimeoutError: First timeout"),
        ('Timeout of 2000ms exceeded. For async tests and hooks, ensure "done()" is called', "Error", ""),
        ("Exceeded timeout of 5000 ms for a test.", "", ""),
        ("Test timeout of 30000ms exceeded.", "", ""),
        ("panic: test timed out after 10m0s", "", ""),
        ("Failed: Timeout >10.0s", "", ""),
        ("test timed out after 100 milliseconds", "org.junit.runners.model.TestTimedOutException", ""),
    ],
    "out_of_memory": [
        ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", "", ""),
        ("Java heap space", "java.lang.OutOfMemoryError", ""),
        ("", "MemoryError", ""),
        ("Process completed with exit code 137.", "", ""),
        ("fatal error: runtime: out of memory", "", ""),
        ("memory allocation of 1073741824 bytes failed", "", ""),
    ],
    "network": [
        ("Error: connect ECONNREFUSED 127.0.0.1:5432", "Error", ""),
        ("getaddrinfo ENOTFOUND registry.example.com", "", ""),
        ("socket.gaierror: [Errno -3] Temporary failure in name resolution", "", ""),
        ("java.net.UnknownHostException: db.internal", "java.net.UnknownHostException", ""),
        ("dial tcp 10.0.0.5:6379: connect: connection refused", "", ""),
        ("Connection reset by peer (os error 104)", "", ""),
    ],
    "dependency": [
        ("ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/", "", ""),
        ("ERROR: Could not find a version that satisfies the requirement widgets==9.9", "", ""),
        ("npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree", "", ""),
        ("Could not resolve dependencies for project com.acme:widgets:jar:1.0", "", ""),
        ("Could not resolve all dependencies for configuration ':app:debugRuntimeClasspath'.", "", ""),
        ('Bundler could not find compatible versions for gem "rack":', "", ""),
        ('error: failed to select a version for the requirement `serde = "^9"`', "", ""),
        ("error NU1101: Unable to find package Acme.Widgets. No packages exist with this id", "", ""),
    ],
    "infrastructure": [
        (
            "The runner has received a shutdown signal. This can happen when the runner service is stopped",
            "",
            "",
        ),
        ("The self-hosted runner: ci-7 lost communication with the server.", "", ""),
        ("OSError: [Errno 28] No space left on device: '/tmp/pytest-of-runner'", "OSError", ""),
        ("ENOSPC: no space left on device, write", "", ""),
    ],
}
CASES = [
    pytest.param(category, *example, id=f"{category}-{index}")
    for category, examples in EXAMPLES.items()
    for index, example in enumerate(examples)
]


@pytest.mark.parametrize(("category", "message", "failure_type", "trace"), CASES)
def test_each_category_is_recognised_from_real_messages(category, message, failure_type, trace):
    match = categorise(message, failure_type, trace)

    assert match.category == category
    assert match.rule  # the rule that decided is named


def test_every_category_has_examples():
    assert set(EXAMPLES) | {"unknown"} == set(categories.CATEGORIES)


def test_a_failure_no_rule_knows_is_unknown_with_no_rule():
    match = categorise("AttributeError: 'dict' object has no attribute 'attr'", "AttributeError", "")

    assert (match.category, match.rule) == ("unknown", "")


def test_empty_input_is_unknown():
    assert categorise(None, None, None).category == "unknown"


# Real reports from the shared corpus: (file, test name, expected category).
CORPUS_CASES = [
    ("dorny-test-reporter/test-errors/jest/jest-test-results.xml", "libs/foo.spec.ts", "type_check"),
    (
        "mikepenz-action-junit-report/multiple_failures/test_multiple_errors.xml",
        "testWithMultipleErrors",
        "timeout",
    ),
    (
        "mikepenz-action-junit-report/multiple_failures/test_multiple_errors.xml",
        "testWithFailureAndError",
        "assertion",
    ),
]


@pytest.mark.parametrize(("path", "name", "category"), CORPUS_CASES, ids=[c[1] for c in CORPUS_CASES])
def test_failures_in_real_reports_get_their_category(corpus, path, name, category):
    case = next(case for case in read_report(corpus / "junit" / path) if case.name == name)

    assert categorise(case.message, case.failure_type, case.trace).category == category


def test_the_failure_type_alone_is_enough():
    assert categorise("", "java.lang.OutOfMemoryError", "").category == "out_of_memory"


def test_the_most_severe_rule_wins_when_a_message_matches_several():
    message = "AssertionError: write failed: [Errno 28] No space left on device"

    assert categorise(message, "AssertionError", "").category == "infrastructure"


def test_a_cause_deep_in_a_long_trace_is_still_found():
    trace = "Traceback (most recent call last):\n" + '  File "x.py", line 1, in f\n' * 5000
    trace += "ModuleNotFoundError: No module named 'yaml'"

    assert categorise("", "", trace).category == "import"


# Rule files: users' rules first, validated loudly.


def write(tmp_path, text: str):
    path = tmp_path / "rules.yml"
    path.write_text(text)
    return path


def test_user_rules_are_tried_before_the_builtin_ones(tmp_path):
    users = categories.load_file(
        write(
            tmp_path,
            "rules:\n  - name: our-db-flake\n    category: infrastructure\n    message: ECONNREFUSED",
        )
    )
    rules = users.combine(builtin_rules())

    match = rules.categorise("Error: connect ECONNREFUSED 127.0.0.1:5432", "", "")

    assert (match.category, match.rule) == ("infrastructure", "our-db-flake")


def test_a_rule_with_a_higher_priority_is_tried_first(tmp_path):
    text = """
version: 1
rules:
  - name: generic
    category: assertion
    message: failed
  - name: specific
    category: timeout
    priority: 10
    message: failed after waiting
"""
    rules = categories.load_file(write(tmp_path, text))

    assert rules.categorise("step failed after waiting", "", "").rule == "specific"


def test_a_rule_may_match_on_the_type_or_the_trace(tmp_path):
    text = """
rules:
  - name: by-type
    category: network
    type: ^acme\\.OfflineError$
  - name: by-trace
    category: dependency
    trace: acme/vendor/
"""
    rules = categories.load_file(write(tmp_path, text))

    assert rules.categorise("", "acme.OfflineError", "").rule == "by-type"
    assert rules.categorise("boom", "", "at acme/vendor/lib.py").rule == "by-trace"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("rules:\n  - name: r1\n    category: flaky\n    message: x", "rule 1 ('r1'): 'category' is 'flaky'"),
        (
            "rules:\n  - name: r1\n    category: lint\n    message: '(unclosed'",
            "rule 1 ('r1'): 'message': '(unclosed'",
        ),
        ("rules:\n  - name: r1\n    category: lint", "rule 1 ('r1'): give at least one of"),
        (
            "rules:\n  - name: r1\n    category: lint\n    mesage: x",
            "rule 1 ('r1'): unknown key(s) ['mesage']",
        ),
        ("rules:\n  - category: lint\n    message: x", "rule 1: 'name' must be"),
        (
            "rules:\n  - {name: a, category: lint, message: x}\n  - {name: a, category: lint, message: y}",
            "rule 2 ('a'): the name is used twice",
        ),
        (
            "rules:\n  - name: r1\n    category: lint\n    message: x\n    priority: high",
            "'priority' must be an integer",
        ),
        (
            "rules:\n  - name: r1\n    category: lint\n    message: [x, 3]",
            "'message' must be a regular expression",
        ),
        ("rules: {name: r1}", "expected a list of rules"),
        ("version: 2\nrules: []", "version must be 1"),
        ("rules: [\n", "is not valid YAML"),
    ],
    ids=[
        "category",
        "regex",
        "no-pattern",
        "unknown-key",
        "no-name",
        "duplicate",
        "priority",
        "pattern-type",
        "not-a-list",
        "version",
        "yaml",
    ],
)
def test_a_bad_rule_file_is_refused_naming_the_rule_and_the_problem(tmp_path, text, problem):
    path = write(tmp_path, text)

    with pytest.raises(RuleError) as raised:
        categories.load_file(path)

    assert str(path) in str(raised.value)
    assert problem in str(raised.value)


def test_a_missing_rule_file_is_refused_with_its_path(tmp_path):
    with pytest.raises(RuleError, match="cannot be read"):
        categories.load_file(tmp_path / "nope.yml")


def test_an_edited_rule_file_is_read_again(tmp_path):
    path = write(tmp_path, "rules:\n  - {name: one, category: lint, message: x}")
    assert categories.load_file(path).rules[0].name == "one"

    path.write_text("rules:\n  - {name: two-two, category: lint, message: x}")

    assert categories.load_file(path).rules[0].name == "two-two"


def test_the_builtin_rule_file_loads_and_names_each_rule_once():
    names = [rule.name for rule in builtin_rules().rules]

    assert names
    assert len(names) == len(set(names))


def test_project_rules_are_compiled_once_per_distinct_value():
    rules = [{"name": "ours", "category": "network", "message": "VPN down"}]

    assert categories.project_rules(rules) is categories.project_rules(list(rules))


# Job logs.

NOISE_LINE = "2026-11-21T06:00:00.0000000Z   compiling widgets/module.py ... ok\n"


def test_a_log_is_categorised_with_an_excerpt_around_the_match():
    log = NOISE_LINE * 50 + "npm ERR! code ERESOLVE\nnpm ERR! While resolving: acme-widgets@1.0.0\n"
    log += "Error: Process completed with exit code 1.\n"

    match = categorise_log(log)

    assert (match.category, match.rule) == ("dependency", "node-resolution")
    assert "npm ERR! code ERESOLVE" in match.excerpt
    assert "exit code 1" in match.excerpt
    assert match.excerpt.count("compiling") == 3  # three lines of context before


def test_a_log_is_read_from_its_end_and_only_so_far():
    early_cause = "ModuleNotFoundError: No module named 'yaml'\n"
    log = early_cause + NOISE_LINE * (LOG_TAIL_BYTES // len(NOISE_LINE) + 10)

    assert categorise_log(log).category == "unknown"
    assert categorise_log(log.encode()).category == "unknown"


def test_a_log_given_as_bytes_is_read_like_text():
    log = (NOISE_LINE * 10 + "FATAL ERROR: Reached heap limit - JavaScript heap out of memory\n").encode()

    assert categorise_log(log).category == "out_of_memory"


def test_a_killed_process_line_in_a_log_is_out_of_memory():
    assert categorise_log(NOISE_LINE + "Killed\n").category == "out_of_memory"


def test_the_excerpt_of_a_huge_line_is_bounded():
    log = "x" * 100_000 + " No space left on device " + "y" * 100_000

    match = categorise_log(log)

    assert match.category == "infrastructure"
    assert "No space left on device" in match.excerpt
    assert len(match.excerpt) <= categories.EXCERPT_LIMIT


def test_a_multi_megabyte_log_costs_no_more_than_its_bounded_tail():
    """Not a timing assertion: the work is bounded, so a 20 MB log and its 256 KiB tail match the same."""
    tail = NOISE_LINE * (LOG_TAIL_BYTES // len(NOISE_LINE)) + "E   AssertionError: assert 1 == 2\n"
    big = NOISE_LINE * 300_000 + tail

    assert categorise_log(big) == categorise_log(big[-LOG_TAIL_BYTES:])


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("database (is|was) locked", "sqlite3.OperationalError: database was locked"),
        ("worker-a|worker-b", "lost worker-b"),
        ("(?i)VPN TUNNEL", "the vpn tunnel closed"),
        ("errors? found", "3 error found"),
        (r"\d+ widgets? broke", "12 widget broke"),
    ],
    ids=["group", "alternatives", "ignore-case", "optional-letter", "leading-class"],
)
def test_a_users_pattern_matches_whatever_its_shape(pattern, text):
    rules = categories.load_rules(
        [{"name": "ours", "category": "infrastructure", "message": pattern}], source="t"
    )

    assert rules.categorise(text, "", "").rule == "ours"
    assert rules.categorise_log(f"noise\n{text}\nmore noise").rule == "ours"
