"""Our labels for every failed test in the shared JUnit corpus: the category a person would name from what
the report says, or ``NONE`` where no category of ours fits (an uncaught exception from the code under
test, a panic, a bare "failed", a parent test whose subtests failed).

Read by ``benchmarks/failure_categories.py``, which runs the hub's built-in rules over the same cases and
counts where they agree. Keyed by the report's path under ``../shared/corpus/junit/`` and listing, in the
order the agent's parser reads them, each final failed or erroring case as ``(test name, label)``; reports
the parser refuses and reports without failures are not listed. The corpus belongs to its authors and is
read in place; only these labels are ours.
"""

NONE = "none"

LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-org.apache.maven.surefire.test.FailingTest.xml": (
        ("defaultTestValueIs_Value", "assertion"),
        ("setTestAndRetrieveValue", "assertion"),
    ),
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-surefire.MyTest-enclosed-trimStackTrace.xml": (
        ("t", NONE),  # an uncaught exception from the code under test
    ),
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-surefire.MyTest-enclosed.xml": (
        ("t", NONE),  # an uncaught exception from the code under test
    ),
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-surefire.MyTest-nestedClass-trimStackTrace.xml": (
        ("test", NONE),  # an uncaught exception from the code under test
    ),
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-surefire.MyTest-nestedClass.xml": (
        ("test", NONE),  # an uncaught exception from the code under test
    ),
    "apache-maven-surefire/fixture/testsuitexmlparser/TEST-surefire.MyTest.xml": (
        ("test", NONE),  # an uncaught exception from the code under test
    ),
    "apache-maven-surefire/test-reports/TEST-NoPackageTest.xml": (
        ("testQuote", "assertion"),
        ("testLower", "assertion"),
        ("testGreater", "assertion"),
    ),
    "apache-maven-surefire/test-reports/TEST-com.shape.CircleTest.xml": (
        ("testRadius", "assertion"),
        ("testProperties", NONE),  # an uncaught exception from the code under test
    ),
    "apache-maven-surefire/test-reports/TEST-com.shape.PointTest.xml": (("testXY", "assertion"),),
    "dorny-test-reporter/external/java/TEST-org.apache.pulsar.AddMissingPatchVersionTest.xml": (
        ("testVersionStrings", "assertion"),
    ),
    "dorny-test-reporter/external/java/empty_failures.xml": (("test_other_case", "assertion"),),
    "dorny-test-reporter/external/java/junit4-basic.xml": (("testCase9", "assertion"),),
    "dorny-test-reporter/external/java/junit4-complete.xml": (
        ("testCase5", "assertion"),
        ("testCase6", NONE),  # an uncaught exception from the code under test
    ),
    "dorny-test-reporter/external/java/pulsar-test-report.xml": (("testVersionStrings", "assertion"),),
    "dorny-test-reporter/external/jest/jest-test-results.xml": (
        ("gets changed files for hg", NONE),  # an error thrown by the code under test
        ("gets changed files for hg", "assertion"),
    ),
    "dorny-test-reporter/external/phpunit/junit-basic.xml": (("testCase9", "assertion"),),
    "dorny-test-reporter/external/phpunit/phpcheckstyle-phpunit.xml": (
        ("testOther", "assertion"),
        ("testException", "assertion"),
    ),
    "dorny-test-reporter/jest-junit.xml": (
        ("Failing test", "assertion"),
        ("Exception in target unit", NONE),  # an error thrown by the code under test
        ("Exception in test", NONE),
        ("Timeout test", "timeout"),
    ),
    "dorny-test-reporter/junit-with-message.xml": (("Test", "assertion"),),
    "dorny-test-reporter/nette-tester/tester-v1.7-report.xml": (
        ("tests/Runner/Runner.multiple-fails.phpt", "assertion"),
    ),
    "dorny-test-reporter/phpunit/phpunit-paths.xml": (
        ("testFailure", NONE),  # only a place, or 'Boom'
        ("testStringFailure", NONE),
        ("testParenFailure", NONE),
        ("testWindowsFailure", NONE),
        ("testWindowsParenFailure", NONE),
        ("testPhptFailure", NONE),
    ),
    "dorny-test-reporter/phpunit/phpunit.xml": (
        ("targeting-traits-with-coversclass-attribute-is-deprecated.phpt", "assertion"),
        ("targeting-traits-with-usesclass-attribute-is-deprecated.phpt", "assertion"),
    ),
    "dorny-test-reporter/python-xunit-pytest.xml": (
        ("test_always_fail", "assertion"),
        ("test_error", NONE),  # a bare Exception raised by the test
    ),
    "dorny-test-reporter/python-xunit-unittest.xml": (
        ("test_always_fail", "assertion"),
        ("test_error", NONE),  # a bare Exception raised by the test
    ),
    "dorny-test-reporter/swift-xunit.xml": (
        ("test_always_fail", NONE),  # only 'failed'
    ),
    "dorny-test-reporter/test-errors/jest/jest-test-results.xml": (
        ("libs/foo.spec.ts", "type_check"),
        ("libs/bar.spec.ts", "type_check"),
    ),
    "gotestsum/junitxml-report-hide-skipped-tests.golden.xml": (
        ("TestMain", NONE),  # no message of its own
        ("TestNestedParallelFailures/a", "assertion"),
        ("TestNestedParallelFailures/d", "assertion"),
        ("TestNestedParallelFailures/c", "assertion"),
        ("TestNestedParallelFailures/b", "assertion"),
        ("TestNestedParallelFailures", NONE),
        ("TestParallelTheFirst", "assertion"),
        ("TestParallelTheThird", "assertion"),
        ("TestParallelTheSecond", "assertion"),
        ("TestFailed", "assertion"),
        ("TestFailedWithStderr", "assertion"),
        ("TestNestedWithFailure/c", "assertion"),
        ("TestNestedWithFailure", NONE),
    ),
    "gotestsum/junitxml-report-skip-empty.golden.xml": (
        ("TestMain", NONE),  # no message of its own
        ("TestNestedParallelFailures/a", "assertion"),
        ("TestNestedParallelFailures/d", "assertion"),
        ("TestNestedParallelFailures/c", "assertion"),
        ("TestNestedParallelFailures/b", "assertion"),
        ("TestNestedParallelFailures", NONE),
        ("TestParallelTheFirst", "assertion"),
        ("TestParallelTheThird", "assertion"),
        ("TestParallelTheSecond", "assertion"),
        ("TestFailed", "assertion"),
        ("TestFailedWithStderr", "assertion"),
        ("TestNestedWithFailure/c", "assertion"),
        ("TestNestedWithFailure", NONE),
    ),
    "gotestsum/junitxml-report.golden.xml": (
        ("TestMain", NONE),  # no message of its own
        ("TestNestedParallelFailures/a", "assertion"),
        ("TestNestedParallelFailures/d", "assertion"),
        ("TestNestedParallelFailures/c", "assertion"),
        ("TestNestedParallelFailures/b", "assertion"),
        ("TestNestedParallelFailures", NONE),
        ("TestParallelTheFirst", "assertion"),
        ("TestParallelTheThird", "assertion"),
        ("TestParallelTheSecond", "assertion"),
        ("TestFailed", "assertion"),
        ("TestFailedWithStderr", "assertion"),
        ("TestNestedWithFailure/c", "assertion"),
        ("TestNestedWithFailure", NONE),
    ),
    "jstemmer-go-junit-report/001-report.xml": (("TestOne", "assertion"),),
    "jstemmer-go-junit-report/008-report.xml": (
        ("TestP1", "assertion"),
        ("TestP2", "assertion"),
        ("TestP3", "assertion"),
    ),
    "jstemmer-go-junit-report/012-report.xml": (
        ("TestSubtests", NONE),  # a parent: its subtest says why
        ("TestSubtests/Subtest#01", "assertion"),
        ("TestFailingSubtestWithNestedSubtest", NONE),
        ("TestFailingSubtestWithNestedSubtest/Subtest", "assertion"),
    ),
    "jstemmer-go-junit-report/013-report.xml": (
        ("[build failed]", "type_check"),
        ("[build failed]", "type_check"),
        ("[setup failed]", "import"),
    ),
    "jstemmer-go-junit-report/014-report.xml": (
        ("Failure", NONE),  # a panic
        ("Failure", NONE),
    ),
    "jstemmer-go-junit-report/017-report.xml": (
        ("TestRace", NONE),  # a data race (its t.Log line looks like a failed check)
    ),
    "jstemmer-go-junit-report/030-report.xml": (
        ("TestFailWithStdoutAndTestOutput", "assertion"),
        ("TestFailWithStdoutAndNoTestOutput", NONE),  # nothing from the test itself
        ("TestFailWithTestOutput", "assertion"),
        ("TestFailWithNoTestOutput", NONE),
        ("TestSubtests", NONE),
        ("TestSubtests/TestFailWithStdoutAndTestOutput", "assertion"),
        ("TestSubtests/TestFailWithStdoutAndNoTestOutput", NONE),
        ("TestSubtests/TestFailWithTestOutput", "assertion"),
        ("TestSubtests/TestFailWithNoTestOutput", NONE),
    ),
    "jstemmer-go-junit-report/031-report.xml": (
        ("[build failed]", "type_check"),
        ("[build failed]", "type_check"),
        ("[setup failed]", "import"),
    ),
    "jstemmer-go-junit-report/032-report.xml": (("Failure", NONE),),
    "jstemmer-go-junit-report/036-report.xml": (
        ("BenchmarkError", "assertion"),
        ("BenchmarkFatal", "assertion"),
    ),
    "jstemmer-go-junit-report/037-report.xml": (("TestOne", NONE),),
    "jstemmer-go-junit-report/038-report.xml": (("[build failed]", "type_check"),),
    "jstemmer-go-junit-report/101-report.xml": (("TestOne", "assertion"),),
    "jstemmer-go-junit-report/102-report.xml": (("[build failed]", "type_check"),),
    "jstemmer-go-junit-report/103-report.xml": (
        ("TestMultiple", NONE),
        ("TestMultiple/Single", "assertion"),
    ),
    "jstemmer-go-junit-report/104-report.xml": (("TestRace", NONE),),  # a data race
    "jstemmer-go-junit-report/105-report.xml": (("Failure", NONE),),
    "jstemmer-go-junit-report/106-report.xml": (("Failure", NONE),),
    "jstemmer-go-junit-report/108-report.xml": (("Failure", NONE),),
    "jstemmer-go-junit-report/110-report.xml": (
        ("BenchmarkError", "assertion"),
        ("BenchmarkFatal", "assertion"),
    ),
    "jstemmer-go-junit-report/112-report.xml": (
        ("TestP1", "assertion"),
        ("TestP2", "assertion"),
        ("TestP3", "assertion"),
    ),
    "mikepenz-action-junit-report/catch2/report.xml": (("is constant evaluated", "assertion"),),
    "mikepenz-action-junit-report/cunit/testFailure.xml": (
        ("loadFromXMLString_When_Should2Test", "assertion"),
    ),
    "mikepenz-action-junit-report/flaky_retries/flaky_all_failures.xml": (
        ("test_always_fails", NONE),  # made-up messages
        ("test_always_fails", NONE),
        ("test_always_fails", NONE),
    ),
    "mikepenz-action-junit-report/flaky_retries/flaky_success_first.xml": (
        ("test_success_first", NONE),  # made-up messages
        ("test_success_first", NONE),
    ),
    "mikepenz-action-junit-report/flaky_retries/flaky_with_classname_file.xml": (
        ("test_foo", NONE),  # made-up messages
        ("test_foo", NONE),
    ),
    "mikepenz-action-junit-report/issues/testDisabled.xml": (
        ("factorial_of_value_from_fixture", "assertion"),
        ("factorial_of_value_from_fixture[0]", "assertion"),
        ("positive_arguments_must_produce_expected_result", NONE),  # an uncaught exception
        ("positive_arguments_must_produce_expected_result[2]", "assertion"),
        ("test_which_fails_check_eq_with_custom_message", "assertion"),
        ("test_which_throws_unknown_exception", NONE),
    ),
    "mikepenz-action-junit-report/issues/testFailedDisabled.xml": (("testSmemArithmetic", "assertion"),),
    "mikepenz-action-junit-report/junit-server-test/report.xml": (
        ("TestWebSocketReconnectRace", NONE),  # no output beyond FAIL
    ),
    "mikepenz-action-junit-report/marathon_tests/com.mikepenz.DummyTest3#test_01.xml": (("test_01", NONE),),
    "mikepenz-action-junit-report/marathon_tests/com.mikepenz.DummyUtilTest#test_01_dummy.xml": (
        ("test_01_dummy", NONE),
    ),
    "mikepenz-action-junit-report/multiple/test_11.xml": (("Metadata Test", "assertion"),),
    "mikepenz-action-junit-report/multiple_failures/test_multiple_errors.xml": (
        ("testWithMultipleErrors", "timeout"),
        ("testWithFailureAndError", "assertion"),
    ),
    "mikepenz-action-junit-report/multiple_failures/test_multiple_failures.xml": (
        ("testWithMultipleFailures", "assertion"),
        ("testWithSingleFailure", "assertion"),
    ),
    "mikepenz-action-junit-report/nested/junit.xml": (
        ("A", NONE),  # only 'failure'
        ("B", NONE),
        ("A", NONE),
    ),
    "mikepenz-action-junit-report/nextest/basic.xml": (("test_failure", "assertion"),),
    "mikepenz-action-junit-report/python/report.xml": (
        ("test_which_fails", "assertion"),
        ("test_with_error", NONE),  # an AttributeError in the test's own code
    ),
    "mikepenz-action-junit-report/python/report_flaky.xml": (
        ("test_which_fails", "assertion"),
        ("test_with_error", NONE),  # an AttributeError in the test's own code
    ),
    (
        "mikepenz-action-junit-report/tests/email/target/surefire-reports/"
        "TEST-action.surefire.report.email.EmailAddressTest.xml"
    ): (
        ("shouldNotContainInternationalizedHostNames", NONE),  # the code's own exception
        ("shouldBeStricterThanRfc2821", NONE),
        ("shouldBeStricterThanRfc2822", "assertion"),
        ("shouldNotBeBlank", NONE),
        ("shouldNotContainLocalHosts", NONE),
        ("shouldNotMissComponents", "assertion"),
        ("shouldNotAllowDotsInWeirdPlaces", NONE),
    ),
    (
        "mikepenz-action-junit-report/tests/utils/target/surefire-reports/"
        "TEST-action.surefire.report.calc.CalcUtilsTest.xml"
    ): (
        ("test error handling", "assertion"),
        ("test scale", "assertion"),
    ),
    (
        "mikepenz-action-junit-report/tests/utils/target/surefire-reports/"
        "TEST-action.surefire.report.calc.StringUtilsTest.xml"
    ): (
        ("require_fail", "assertion"),
        ("require", "assertion"),
    ),
    "mikepenz-action-junit-report/xunit/report.xml": (("test_my_sum_fail", "assertion"),),
    "mikepenz-action-junit-report/xunit/report_fl_on_f.xml": (("test_my_sum_fail", "assertion"),),
    "weiwei-junitparser/jenkins.xml": (("should default path to an empty string", "assertion"),),
    "weiwei-junitparser/no_suites_tag.xml": (("should default path to an empty string", "assertion"),),
    "weiwei-junitparser/normal.xml": (("should default path to an empty string", "assertion"),),
    "weiwei-junitparser/pytest_error.xml": (
        ("test_merge", NONE),  # a NameError in the test's own code
    ),
}
