"""``agent.reproduce``: a shell command that runs one failed test, derived from the report's hints, or None
when the framework cannot be told. One framework (or one hint) per test."""

from __future__ import annotations

import shlex

from agent.reproduce import TestHints, reproduce_command


def command(name: str, classname: str = "", file: str = "", **hints: str) -> str | None:
    return reproduce_command(TestHints(name=name, classname=classname, file=file, **hints))


def test_a_python_file_gives_a_pytest_node_id_with_its_class() -> None:
    assert (
        command("test_y", "tests.test_x.TestC", "tests/test_x.py") == "pytest tests/test_x.py::TestC::test_y"
    )


def test_a_parametrised_pytest_id_is_quoted_for_the_shell() -> None:
    result = command("test_y[a b-1]", "tests.test_x", "tests/test_x.py")

    assert result == "pytest 'tests/test_x.py::test_y[a b-1]'"
    assert shlex.split(result) == ["pytest", "tests/test_x.py::test_y[a b-1]"]


def test_a_pytest_module_is_found_from_the_classname_when_the_file_is_missing() -> None:
    assert command("test_y", "tests.test_x.TestC") == "pytest tests/test_x.py::TestC::test_y"


def test_a_surefire_report_gives_maven_with_class_and_method() -> None:
    result = command("sometimes", "org.acme.FlakyTest", report_path="target/surefire-reports")

    assert result == "mvn '-Dtest=org.acme.FlakyTest#sometimes' test"


def test_a_failsafe_report_gives_maven_verify_with_it_test() -> None:
    result = command("works", "org.acme.ApiIT", report_path="target/failsafe-reports")

    assert result == "mvn verify '-Dit.test=org.acme.ApiIT#works'"


def test_a_gradle_report_gives_gradle_tests_filter_without_the_parentheses() -> None:
    result = command("sometimes()", "org.acme.FlakyTest", report_path="app/build/test-results/test")

    assert result == "gradle test --tests org.acme.FlakyTest.sometimes"


def test_a_java_display_name_that_is_no_method_runs_the_whole_class() -> None:
    assert command("[1] adds 1 and 2", "org.acme.CalcTest") == "mvn -Dtest=org.acme.CalcTest test"


def test_a_java_file_names_the_class_after_its_source_root() -> None:
    result = command("adds", file="src/test/java/org/acme/CalcTest.java")

    assert result == "mvn '-Dtest=org.acme.CalcTest#adds' test"


def test_a_go_file_gives_go_test_run_anchored_in_its_package() -> None:
    assert command("TestParse", file="pkg/parser/parse_test.go") == "go test -run '^TestParse$' ./pkg/parser"


def test_a_go_subtest_anchors_each_level_and_escapes_metacharacters() -> None:
    result = command("TestParse/empty.input", "github.com/acme/app/parser")

    assert result == "go test -run '^TestParse$/^empty\\.input$' github.com/acme/app/parser"


def test_a_typescript_file_gives_jest_with_the_name_as_a_literal_pattern() -> None:
    result = command("adds (two) numbers", "Calc", "src/calc.test.ts")

    assert result == "npx jest src/calc.test.ts -t 'adds \\(two\\) numbers'"


def test_a_vitest_report_gives_vitest_run() -> None:
    result = command("adds", "Calc", "src/calc.test.ts", report_path="reports/vitest-junit.xml")

    assert result == "npx vitest run src/calc.test.ts -t adds"


def test_a_mocha_json_report_gives_mocha_grep() -> None:
    result = command("cart adds an item", file="test/cart.spec.js", report_format="mocha-json")

    assert result == "npx mocha test/cart.spec.js --grep 'cart adds an item'"


def test_a_trx_report_gives_dotnet_test_filter_without_the_data_row() -> None:
    result = command("Adds(1, 2)", "Acme.CalcTests", report_format="trx")

    assert result == "dotnet test --filter FullyQualifiedName=Acme.CalcTests.Adds"


def test_a_ruby_file_gives_rspec_with_the_example_name() -> None:
    result = command("Cart adds an item", file="spec/cart_spec.rb")

    assert result == "bundle exec rspec spec/cart_spec.rb -e 'Cart adds an item'"


def test_a_name_with_a_quote_stays_one_shell_word() -> None:
    result = command("it's fine", "Calc", "src/calc.test.js")

    assert shlex.split(result or "")[-1] == "it's fine"


def test_hints_that_point_at_no_framework_give_none() -> None:
    assert command("checks the thing", "some suite") is None


def test_a_file_under_a_github_runners_workspace_is_made_relative_to_the_checkout() -> None:
    # mikepenz-action-junit-report's flaky_retries reports, as pytest wrote them on a hosted runner
    result = command("test_foo", "test_foo.TestFoo", "/home/runner/work/foo/bar/test_foo.py")

    assert result == "pytest test_foo.py::TestFoo::test_foo"


def test_a_file_under_a_gitlab_build_directory_is_made_relative_with_the_repository() -> None:
    result = command(
        "test_y", "tests.test_x", "/builds/acme/widgets/tests/test_x.py", repository="acme/widgets"
    )

    assert result == "pytest tests/test_x.py::test_y"


def test_a_jest_classname_that_is_the_test_file_is_used_as_the_file() -> None:
    # dorny-test-reporter's external jest report: jest-junit with classNameTemplate "{filepath}"
    result = command("gets changed files for hg", "e2e/__tests__/jestChangedFiles.test.ts")

    assert result == "npx jest e2e/__tests__/jestChangedFiles.test.ts -t 'gets changed files for hg'"


def test_a_java_class_is_told_by_its_lower_case_package() -> None:
    assert (
        command("testRadius", "com.shape.CircleTest") == "mvn '-Dtest=com.shape.CircleTest#testRadius' test"
    )


def test_a_class_without_a_package_is_java_when_its_report_is_named_for_it() -> None:
    result = command(
        "testQuote", "NoPackageTest", report_path="target/surefire-reports/TEST-NoPackageTest.xml"
    )

    assert result == "mvn '-Dtest=NoPackageTest#testQuote' test"


def test_dotted_suites_of_other_languages_are_not_taken_for_java() -> None:
    # PHPUnit's "Tests.Authentication" and Swift's "AcmeLibTests.AcmeLibTests" in dorny-test-reporter's corpus
    assert command("testCase9", "Tests.Authentication") is None
    assert command("test_always_fail", "AcmeLibTests.AcmeLibTests") is None
