"""Failed CI logs written for the diagnosis benchmark, each with the lines a person would point at.

Every scenario prints what one tool prints when it fails (pytest, Maven, Gradle, npm and Jest, cargo, go,
a linter, a type checker, Docker, the shell, a runner that ran out of time or memory), inside a job's
ordinary output: dependency installs with progress bars, passing tests whose names contain "error", a
deprecation warning. Each log comes in a GitHub Actions dress (timestamps, ``##[group]`` markers,
``##[error]`` annotations) or a GitLab one (ANSI colours, ``section_start`` markers), with a passing log
of the same job as its baseline. ``errors`` are the 1-based line numbers of the lines that explain the
failure: the error itself, with its location and the values it compared, not the runner's "exit code 1".
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

Entry = tuple[str, bool]  # a line, and whether it explains the failure


@dataclass(frozen=True)
class Log:
    name: str
    text: str
    baseline: str
    errors: frozenset[int]


def _pip_install(rng: random.Random) -> list[Entry]:
    lines = ["Collecting pytest>=8.0", "  Downloading pytest-8.3.4-py3-none-any.whl (343 kB)"]
    for pkg in rng.sample(["exceptiongroup", "iniconfig", "pluggy", "packaging", "tomli", "errorhandler"], 4):
        lines += [f"Collecting {pkg}", f"  Downloading {pkg}-1.2.0-py3-none-any.whl (12 kB)"]
    lines.append("     |████████████████████████████████| 343 kB 12.1 MB/s")
    lines.append("Successfully installed exceptiongroup-1.2.0 iniconfig-2.0.0 pluggy-1.5.0 pytest-8.3.4")
    return [(line, False) for line in lines]


def _npm_install(rng: random.Random) -> list[Entry]:
    return [
        ("npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory.", False),
        (
            f"added {rng.randint(200, 900)} packages, and audited {rng.randint(900, 1000)} packages in 9s",
            False,
        ),
        ("found 0 vulnerabilities", False),
    ]


def _maven_downloads(rng: random.Random) -> list[Entry]:
    lines = ["[INFO] Scanning for projects...", "[INFO] ------------< com.example:app >------------"]
    for artifact in rng.sample(["surefire", "plexus-utils", "error_prone_annotations", "commons-io"], 3):
        lines.append(f"Downloading from central: https://repo.maven.apache.org/maven2/org/{artifact}.pom")
        lines.append("Progress (1): 4.1/8.2 kB\rProgress (1): 8.2 kB")
        lines.append(
            f"Downloaded from central: https://repo.maven.apache.org/maven2/org/{artifact}.pom (8 kB)"
        )
    return [(line, False) for line in lines]


def _logged_traceback() -> list[Entry]:
    """What a passing test that exercises an error path logs, in the passing and the failing run alike."""
    return [
        ("ERROR:shop.worker:payment provider refused the card (expected in test_declined_card)", False),
        ("Traceback (most recent call last):", False),
        ('  File "/repo/shop/worker.py", line 88, in charge', False),
        ("    raise CardDeclined(order.id)", False),
        ("shop.errors.CardDeclined: order 1234", False),
    ]


def _job_noise(rng: random.Random) -> list[Entry]:
    """Hundreds to thousands of ordinary lines: what a real job prints before its error."""
    lines: list[Entry] = []
    for index in range(rng.randint(50, 1500)):
        kind = rng.random()
        if kind < 0.6:
            lines.append((f"  compiled module_{index}.o", False))
        elif kind < 0.8:
            lines.append((f"[{index}/2000] checking errors_{index % 7}.py", False))
        elif kind < 0.9:
            lines.append(
                (
                    f"Receiving objects: {index % 100}% ({index}/2000)\rReceiving objects: 100% (2000/2000)",
                    False,
                )
            )
        else:
            lines.append(
                (f"DeprecationWarning: failure_handler() is deprecated, use on_failure ({index})", False)
            )
    if rng.random() < 0.5:
        lines += _logged_traceback()
    return lines


def _passing(rng: random.Random, fmt: str, count: int) -> list[Entry]:
    names = ["test_error_handling", "test_parse", "test_failure_message", "test_login", "test_retry"]
    return [(fmt.format(name=rng.choice(names), n=i), False) for i in range(count)]


def pytest_assertion(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_pip_install(rng), ("============================= test session starts ==============", False)]
    head += _passing(rng, "tests/test_app.py::{name}_{n} PASSED", rng.randint(5, 40))
    fail = [
        ("=================================== FAILURES ===================================", False),
        ("_________________________________ test_total _________________________________", False),
        ("    def test_total():", False),
        (">       assert total([1, 2]) == 4", False),
        ("E       assert 3 == 4", True),
        ("E        +  where 3 = total([1, 2])", True),
        ("", False),
        ("tests/test_app.py:12: AssertionError", True),
        ("=========================== short test summary info ============================", False),
        ("FAILED tests/test_app.py::test_total - assert 3 == 4", True),
        ("========================= 1 failed, 30 passed in 0.52s =========================", False),
    ]
    ok = [("========================= 31 passed in 0.49s =========================", False)]
    return head + fail, head + ok


def pytest_import(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_pip_install(rng), ("============================= test session starts ==============", False)]
    fail = [
        ("==================================== ERRORS ====================================", False),
        ("_____________________ ERROR collecting tests/test_config.py _____________________", True),
        ("ImportError while importing test module '/repo/tests/test_config.py'.", True),
        ("Hint: make sure your test modules/packages have valid Python names.", False),
        ("Traceback:", False),
        ("tests/test_config.py:3: in <module>", False),
        ("    import yaml", True),
        ("E   ModuleNotFoundError: No module named 'yaml'", True),
        ("=========================== short test summary info ============================", False),
        ("ERROR tests/test_config.py", True),
        ("!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!", False),
    ]
    ok = _passing(rng, "tests/test_config.py::{name}_{n} PASSED", 8)
    return head + fail, head + ok


def python_traceback(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_pip_install(rng), ("Operations to perform:", False), ("  Apply all migrations: app", False)]
    fail = [
        ("Traceback (most recent call last):", True),
        ('  File "/repo/manage.py", line 22, in <module>', False),
        ("    main()", False),
        ('  File "/repo/app/migrations/0004_orders.py", line 9, in forwards', True),
        ("    Order.objects.filter(total__lt=0).update(total=F('totl'))", True),
        ("django.core.exceptions.FieldError: Cannot resolve keyword 'totl' into field.", True),
    ]
    ok = [("  Applying app.0004_orders... OK", False)]
    return head + fail, head + ok


def maven_compile(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_maven_downloads(rng), ("[INFO] Compiling 42 source files to /repo/target/classes", False)]
    fail = [
        ("[INFO] -------------------------------------------------------------", False),
        ("[ERROR] COMPILATION ERROR : ", False),
        ("[INFO] -------------------------------------------------------------", False),
        ("[ERROR] /repo/src/main/java/com/example/App.java:[12,16] cannot find symbol", True),
        ("  symbol:   method totl(int)", True),
        ("  location: class com.example.App", True),
        ("[INFO] 1 error", False),
        ("[INFO] BUILD FAILURE", False),
        (
            "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.11.0:compile "
            "(default-compile) on project app: Compilation failure",
            True,
        ),
        ("[ERROR] -> [Help 1]", False),
        ("[ERROR] ", False),
        ("[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.", False),
        ("[ERROR] Re-run Maven using the -X switch to enable full debug logging.", False),
    ]
    ok = [("[INFO] BUILD SUCCESS", False)]
    return head + fail, head + ok


def maven_test(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [
        *_maven_downloads(rng),
        ("[INFO] -------------------------------------------------------", False),
        ("[INFO]  T E S T S", False),
        ("[INFO] Running com.example.ErrorHandlerTest", False),
        ("[INFO] Tests run: 4, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 0.1 s", False),
    ]
    fail = [
        ("[INFO] Running com.example.CartTest", False),
        (
            "[ERROR] Tests run: 3, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.05 s <<< FAILURE! "
            "-- in com.example.CartTest",
            False,
        ),
        ("[ERROR] com.example.CartTest.addsTax -- Time elapsed: 0.01 s <<< FAILURE!", True),
        ("org.opentest4j.AssertionFailedError: expected: <10.7> but was: <10.0>", True),
        ("\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:151)", False),
        ("\tat com.example.CartTest.addsTax(CartTest.java:21)", True),
        ("", False),
        ("[INFO] Results:", False),
        ("[ERROR] Failures: ", False),
        ("[ERROR]   CartTest.addsTax:21 expected: <10.7> but was: <10.0>", True),
        ("[ERROR] Tests run: 7, Failures: 1, Errors: 0, Skipped: 0", False),
        ("[INFO] BUILD FAILURE", False),
        (
            "[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.5:test "
            "(default-test) on project app: There are test failures.",
            False,
        ),
    ]
    ok = [("[INFO] Tests run: 7, Failures: 0, Errors: 0, Skipped: 0", False), ("[INFO] BUILD SUCCESS", False)]
    return head + fail, head + ok


def gradle_compile(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [("> Task :app:compileJava", False)]
    fail = [
        ("/repo/app/src/main/java/com/example/App.java:12: error: cannot find symbol", True),
        ("        return totl(items);", True),
        ("               ^", False),
        ("  symbol:   method totl(List<Item>)", True),
        ("1 error", False),
        ("> Task :app:compileJava FAILED", False),
        ("", False),
        ("FAILURE: Build failed with an exception.", False),
        ("", False),
        ("* What went wrong:", True),
        ("Execution failed for task ':app:compileJava'.", True),
        ("> Compilation failed; see the compiler error output for details.", True),
        ("", False),
        ("* Try:", False),
        ("> Run with --stacktrace option to get the stack trace.", False),
        ("BUILD FAILED in 7s", False),
    ]
    ok = [("BUILD SUCCESSFUL in 6s", False)]
    return head + fail, head + ok


def gradle_test(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [
        ("> Task :app:test", False),
        *_passing(rng, "ErrorsTest > {name}_{n}() PASSED", rng.randint(3, 20)),
    ]
    fail = [
        ("CartTest > addsTax() FAILED", True),
        ("    org.opentest4j.AssertionFailedError at CartTest.java:21", True),
        ("", False),
        ("12 tests completed, 1 failed", False),
        ("", False),
        ("FAILURE: Build failed with an exception.", False),
        ("", False),
        ("* What went wrong:", True),
        ("Execution failed for task ':app:test'.", True),
        (
            "> There were failing tests. See the report at: file:///repo/app/build/reports/tests/test/index.html",
            True,
        ),
        ("", False),
        ("* Try:", False),
        ("BUILD FAILED in 12s", False),
    ]
    ok = [("BUILD SUCCESSFUL in 11s", False)]
    return head + fail, head + ok


def npm_resolve(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    fail = [
        ("npm ERR! code ERESOLVE", False),
        ("npm ERR! ERESOLVE unable to resolve dependency tree", True),
        ("npm ERR! ", False),
        ("npm ERR! While resolving: shop@1.0.0", True),
        ("npm ERR! Found: react@18.2.0", True),
        ("npm ERR! Could not resolve dependency:", True),
        ('npm ERR! peer react@"^17.0.0" from react-table@7.8.0', True),
        ("npm ERR! A complete log of this run can be found in: /root/.npm/_logs/debug-0.log", False),
    ]
    return fail, _npm_install(rng)


def jest(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_npm_install(rng), ("> shop@1.0.0 test", False), ("> jest", False)]
    head += _passing(rng, "PASS src/{name}_{n}.test.js", rng.randint(3, 15))
    fail = [
        ("FAIL src/cart.test.js", False),
        ("  ● Cart › adds tax", True),  # noqa: RUF001 (Jest prints this character)
        ("", False),
        ("    expect(received).toBe(expected) // Object.is equality", True),
        ("", False),
        ("    Expected: 10.7", True),
        ("    Received: 10", True),
        ("", False),
        ("      at Object.<anonymous> (src/cart.test.js:21:28)", True),
        ("", False),
        ("Tests:       1 failed, 41 passed, 42 total", False),
    ]
    ok = [("Tests:       42 passed, 42 total", False)]
    return head + fail, head + ok


def node_socket(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_npm_install(rng), ("> shop@1.0.0 e2e", False), ("Starting the browser...", False)]
    fail = [
        ("Error: socket hang up", True),
        ("    at connResetException (node:internal/errors:720:14)", True),
        ("    at Socket.socketOnEnd (node:_http_client:525:23)", True),
    ]
    ok = [("All 12 scenarios passed", False)]
    return head + fail, head + ok


def cargo_compile(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [(f"   Compiling {c} v1.0.{i}", False) for i, c in enumerate(["libc", "serde", "anyhow"])]
    fail = [
        ("error[E0425]: cannot find value `totl` in this scope", True),
        (" --> src/main.rs:4:20", True),
        ("  |", True),
        ('4 |     println!("{}", totl);', True),
        ("  |                    ^^^^ help: a local variable with a similar name exists: `total`", True),
        ("", False),
        ("For more information about this error, try `rustc --explain E0425`.", False),
        ('error: could not compile `shop` (bin "shop") due to 1 previous error', False),
    ]
    ok = [("    Finished `test` profile [unoptimized + debuginfo] target(s) in 4.2s", False)]
    return head + fail, head + ok


def cargo_test(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [("running 6 tests", False), *_passing(rng, "test tests::{name}_{n} ... ok", 5)]
    fail = [
        ("test tests::adds_tax ... FAILED", False),
        ("", False),
        ("failures:", False),
        ("", False),
        ("---- tests::adds_tax stdout ----", True),
        ("thread 'tests::adds_tax' panicked at src/lib.rs:21:9:", True),
        ("assertion `left == right` failed", True),
        ("  left: 10.0", True),
        (" right: 10.7", True),
        ("", False),
        ("failures:", False),
        ("    tests::adds_tax", False),
        ("", False),
        ("test result: FAILED. 5 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out", False),
    ]
    ok = [("test result: ok. 6 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out", False)]
    return head + fail, head + ok


def go_test(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [("go: downloading github.com/pkg/errors v0.9.1", False)]
    head += _passing(rng, "--- PASS: TestErrors{n} (0.00s)", rng.randint(2, 10))
    fail = [
        ("--- FAIL: TestAddsTax (0.00s)", True),
        ("    cart_test.go:21: AddsTax(10) = 10; want 10.7", True),
        ("FAIL", False),
        ("FAIL\texample.com/shop/cart\t0.004s", False),
        ("ok  \texample.com/shop/errors\t0.003s", False),
    ]
    ok = [("ok  \texample.com/shop/cart\t0.004s", False)]
    return head + fail, head + ok


def go_build(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [("go: downloading golang.org/x/sync v0.7.0", False)]
    fail = [
        ("# example.com/shop/cart", False),
        ("cart/cart.go:12:9: undefined: totl", True),
        ("cart/cart.go:15:2: declared and not used: rate", True),
    ]
    ok = [("ok  \texample.com/shop/cart\t0.004s", False)]
    return head + fail, head + ok


def flake8(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_pip_install(rng), ("flake8 src tests", False)]
    fail = [
        ("src/app/views.py:3:1: F401 'os' imported but unused", True),
        ("src/app/views.py:41:80: E501 line too long (91 > 79 characters)", True),
    ]
    return head + fail, head


def mypy(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_pip_install(rng), ("mypy src", False)]
    fail = [
        (
            'src/app/cart.py:21: error: Incompatible return value type (got "int", expected "float")  '
            "[return-value]",
            True,
        ),
        ("Found 1 error in 1 file (checked 42 source files)", False),
    ]
    ok = [("Success: no issues found in 42 source files", False)]
    return head + fail, head + ok


def eslint(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_npm_install(rng), ("> eslint src", False), ("", False), ("/repo/src/cart.js", False)]
    fail = [
        ("  12:7  error  'rate' is assigned a value but never used  no-unused-vars", True),
        ("  30:1  error  Expected indentation of 2 spaces but found 4  indent", True),
        ("", False),
        ("✖ 2 problems (2 errors, 0 warnings)", False),
    ]
    return head + fail, head[:-1]


def docker(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [("#5 [2/4] COPY requirements.txt .", False), ("#5 DONE 0.1s", False)]
    fail = [
        ("#6 [3/4] RUN pip install -r requirements.txt", False),
        ("#6 1.203 ERROR: Could not find a version that satisfies the requirement djnago==5.2", True),
        ("#6 1.204 ERROR: No matching distribution found for djnago==5.2", True),
        (
            '#6 ERROR: process "/bin/sh -c pip install -r requirements.txt" did not complete successfully: '
            "exit code: 1",
            False,
        ),
        (
            'ERROR: failed to solve: process "/bin/sh -c pip install -r requirements.txt" did not complete '
            "successfully: exit code: 1",
            False,
        ),
    ]
    ok = [("#6 DONE 9.8s", False)]
    return head + fail, head + ok


def shell(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [("Run ./scripts/release.sh", False)]
    fail = [("./scripts/release.sh: line 14: jq: command not found", True)]
    ok = [("released 1.4.2", False)]
    return head + fail, head + ok


def out_of_memory(rng: random.Random) -> tuple[list[Entry], list[Entry]]:
    head = [*_npm_install(rng), ("> webpack --mode production", False)]
    fail = [
        ("<--- Last few GCs --->", False),
        ("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory", True),
        (" 1: 0xb7a940 node::Abort() [node]", False),
    ]
    ok = [("webpack 5.91.0 compiled successfully in 48213 ms", False)]
    return head + fail, head + ok


SCENARIOS: dict[str, Callable[[random.Random], tuple[list[Entry], list[Entry]]]] = {
    f.__name__: f
    for f in (
        pytest_assertion,
        pytest_import,
        python_traceback,
        maven_compile,
        maven_test,
        gradle_compile,
        gradle_test,
        npm_resolve,
        jest,
        node_socket,
        cargo_compile,
        cargo_test,
        go_test,
        go_build,
        flake8,
        mypy,
        eslint,
        docker,
        shell,
        out_of_memory,
    )
}


_GITHUB_AFTER = [
    "##[group]Run actions/upload-artifact@v4",
    "With the provided path, there will be 3 files uploaded",
    "Artifact test-reports has been successfully uploaded! Final size is 18342 bytes.",
    "##[endgroup]",
    "Post job cleanup.",
    "[command]/usr/bin/git version",
    "git version 2.47.1",
    "Temporarily overriding HOME='/home/runner/work/_temp/3c1b' before making global git config changes",
    "Cleaning up orphan processes",
]
_GITLAB_AFTER = [
    "\x1b[32;1mUploading artifacts for failed job\x1b[0;m",
    "Uploading artifacts...",
    "build/reports: found 12 matching artifact files and directories",
    'Uploading artifacts as "archive" to coordinator... 201 Created  id=8812 responseStatus=201 Created',
    "\x1b[32;1mCleaning up project directory and file based variables\x1b[0;m",
]


def _github(entries: list[Entry], failed: bool, rng: random.Random) -> tuple[str, frozenset[int]]:
    stamp = "2026-11-30T10:{:02d}:{:02d}.{:07d}Z "
    dressed: list[Entry] = [("##[group]Run actions/checkout@v4", False), ("##[endgroup]", False)]
    dressed += [("##[group]Run make test", False), ("make test", False), ("##[endgroup]", False)]
    dressed += entries
    if failed:
        dressed.append(("##[error]Process completed with exit code 1.", False))
    dressed += [(text, False) for text in _GITHUB_AFTER]
    lines, errors = [], set()
    for number, (text, is_error) in enumerate(dressed, start=1):
        minute, second = divmod(number, 60)
        lines.append(stamp.format(minute % 60, second, rng.randint(0, 9_999_999)) + text)
        if is_error:
            errors.add(number)
    return "\n".join(lines) + "\n", frozenset(errors)


def _gitlab(entries: list[Entry], failed: bool, rng: random.Random) -> tuple[str, frozenset[int]]:
    red, reset = "\x1b[31;1m", "\x1b[0;m"
    dressed: list[Entry] = [
        ("\x1b[0KRunning with gitlab-runner 17.5.0 (a1b2c3d4)", False),
        (
            f"section_start:{rng.randint(10**9, 2 * 10**9)}:step_script\r\x1b[0K\x1b[0K\x1b[36;1mExecuting "
            f'"step_script" stage of the job script\x1b[0;m',
            False,
        ),
        ("\x1b[32;1m$ make test\x1b[0;m", False),
    ]
    dressed += [
        (f"{red}{text}{reset}" if is_error and rng.random() < 0.5 else text, is_error)
        for text, is_error in entries
    ]
    dressed.append((f"section_end:{rng.randint(10**9, 2 * 10**9)}:step_script\r\x1b[0K", False))
    dressed += [(text, False) for text in _GITLAB_AFTER]
    if failed:
        dressed.append((f"{red}ERROR: Job failed: exit code 1{reset}", False))
    lines = [text for text, _ in dressed]
    errors = frozenset(i for i, (_, is_error) in enumerate(dressed, start=1) if is_error)
    return "\n".join(lines) + "\n", errors


def logs(count_per_scenario: int = 5, seed: int = 7) -> list[Log]:
    rng = random.Random(seed)
    out = []
    for name, scenario in SCENARIOS.items():
        for index in range(count_per_scenario):
            noise = _job_noise(rng)
            failing, passing = scenario(rng)
            failing, passing = noise + failing, noise + passing
            dress = _github if index % 2 == 0 else _gitlab
            text, errors = dress(failing, True, rng)
            baseline, _ = dress(passing, False, rng)
            out.append(Log(f"{name}-{index}", text, baseline, errors))
    return out
