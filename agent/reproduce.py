"""A command that runs one failed test again, derived from what its report said about it.

A person or a coding agent fixing a failure wants the shortest loop: run that one test. The report rarely
names the test framework, so the command is derived from hints: the test's file extension, its classname
and name, the report's format (``junit``, ``trx``, ``mocha-json``...) and where the report was read from
(``target/surefire-reports`` is Maven, ``build/test-results`` Gradle). When the hints do not point at one
framework the answer is None: a wrong command costs a reader more than no command.

Every argument is quoted with ``shlex.quote``: test names carry spaces, brackets and quotes, and the
command is meant to be pasted into a shell.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

DOTNET_FORMATS = frozenset({"trx", "nunit2", "nunit3", "xunit"})
JVM_EXTENSIONS = frozenset({".java", ".kt", ".kts", ".scala", ".groovy"})
JS_EXTENSIONS = frozenset({".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"})
_GO_TEST_NAME = re.compile(r"^(Test|Benchmark|Example|Fuzz)[A-Z0-9_]?")
_METACHARACTERS = re.compile(r"[.*+?^${}()|\[\]\\/]")
_WORKSPACES = (
    re.compile(r"^(?:[A-Za-z]:)?/(?:home|Users)/runner/work/[^/]+/[^/]+/"),  # GitHub-hosted runners
    re.compile(r"^[A-Za-z]:/a/[^/]+/[^/]+/"),  # GitHub's Windows runners
    re.compile(r"^.*/_work/[^/]+/[^/]+/"),  # self-hosted GitHub runners
    re.compile(r"^/home/circleci/project/"),  # CircleCI
)
_JAVA_METHOD = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class TestHints:
    """What is known of a test: its identity as reported, and how the report was produced."""

    __test__ = False  # not a pytest class

    name: str
    classname: str = ""
    file: str = ""
    suite: str = ""
    report_format: str = ""  # the agent's parser: junit, trx, nunit3, xunit, mocha-json, dart-json
    report_path: str = ""  # the report file's path as uploaded
    repository: str = ""  # OWNER/NAME, to find where a CI's workspace ends in an absolute path


def reproduce_command(hints: TestHints) -> str | None:
    """A shell command that runs just this test, or None when the framework cannot be told."""
    if not hints.name:
        return None
    file = workspace_relative(hints.file or _file_in_classname(hints.classname), hints.repository)
    by_format = _BY_FORMAT.get(hints.report_format)
    if by_format is not None:
        return by_format(hints, file)
    extension = PurePosixPath(file).suffix.lower() if file else ""
    for extensions, command in _BY_EXTENSION:
        if extension in extensions:
            return command(hints, file)
    return _from_classname(hints)


# --- per framework ---------------------------------------------------------------------------------


def _pytest(hints: TestHints, file: str) -> str | None:
    """``pytest 'path.py::Class::test'``: classes are the classname's parts after the module's name."""
    parts = [part for part in hints.classname.split(".") if part]
    stem = PurePosixPath(file).stem
    if stem in parts:
        classes = parts[len(parts) - parts[::-1].index(stem) :]
    else:
        classes = [part for part in parts if part[:1].isupper()][-1:]
    return _join("pytest", "::".join([file, *classes, hints.name]))


def _go(hints: TestHints, file: str) -> str | None:
    """``go test -run '^TestX$/^sub$' ./pkg``: each subtest level anchored, the package from the file's
    directory (or the classname, go-junit-report's import path)."""
    pattern = "/".join(f"^{_literal(level)}$" for level in hints.name.split("/"))
    if file:
        directory = str(PurePosixPath(file).parent)
        package = "." if directory == "." else f"./{directory.removeprefix('./')}"
    else:
        package = hints.classname or "./..."
    return _join("go", "test", "-run", pattern, package)


def _jvm(hints: TestHints, file: str) -> str | None:
    """Maven's ``-Dtest='Class#method'`` (failsafe's ``-Dit.test`` for integration tests) or Gradle's
    ``--tests 'Class.method'``; the class alone when the name is not a method (a display name)."""
    classname = hints.classname or _class_from_file(file)
    if not classname:
        return None
    method = re.split(r"[(\[]", hints.name, maxsplit=1)[0].strip()
    method = method if _JAVA_METHOD.match(method) else ""
    path = hints.report_path.replace("\\", "/")
    if "build/test-results" in path or "gradle" in hints.suite.lower():
        return _join("gradle", "test", "--tests", f"{classname}.{method}" if method else classname)
    selector = f"{classname}#{method}" if method else classname
    if "failsafe-reports" in path:
        return _join("mvn", "verify", f"-Dit.test={selector}")
    return _join("mvn", f"-Dtest={selector}", "test")


def _javascript(hints: TestHints, file: str) -> str | None:
    """``npx jest 'file' -t 'name'`` (vitest when the report says so); ``-t`` is a regular expression."""
    runner = ["vitest", "run"] if "vitest" in f"{hints.report_path} {hints.suite}".lower() else ["jest"]
    return _join("npx", *runner, *([file] if file else []), "-t", _literal(hints.name))


def _mocha(hints: TestHints, file: str) -> str | None:
    return _join("npx", "mocha", *([file] if file else []), "--grep", _literal(hints.name))


def _dart(hints: TestHints, file: str) -> str | None:
    return _join("dart", "test", *([file] if file else []), "--plain-name", hints.name)


def _dotnet(hints: TestHints, file: str) -> str | None:
    """``dotnet test --filter 'FullyQualifiedName=Ns.Class.Method'`` (arguments of a data row dropped)."""
    method = hints.name.split("(", 1)[0].strip()
    full = f"{hints.classname}.{method}" if hints.classname and "." not in method else method
    return _join("dotnet", "test", "--filter", f"FullyQualifiedName={full}")


def _rspec(hints: TestHints, file: str) -> str | None:
    return _join("bundle", "exec", "rspec", file, "-e", hints.name)


def _cargo(hints: TestHints, file: str) -> str | None:
    return _join("cargo", "test", hints.name, "--", "--exact")


def _phpunit(hints: TestHints, file: str) -> str | None:
    method = hints.name.split(" ", 1)[0]
    return _join("vendor/bin/phpunit", "--filter", _literal(method), file)


def _from_classname(hints: TestHints) -> str | None:
    """No file: a Go test function in an import path, a pytest module (``tests.test_x``), or a Java
    class (``org.acme.FooTest``), each told by the shape of its names."""
    parts = hints.classname.split(".")
    if "/" in hints.classname and _GO_TEST_NAME.match(hints.name):
        return _go(hints, "")
    modules = [i for i, part in enumerate(parts) if part.startswith("test_") or part.endswith("_test")]
    if modules and hints.name.startswith("test"):
        module = parts[: modules[-1] + 1]
        return _pytest(hints, "/".join(module) + ".py")
    if _java_class(parts) or PurePosixPath(hints.report_path).name == f"TEST-{hints.classname}.xml":
        return _jvm(hints, "")
    return None


def workspace_relative(path: str, repository: str = "") -> str:
    """``path`` relative to the checkout when it is an absolute path in a CI's workspace (GitHub's
    ``/home/runner/work/NAME/NAME/``, GitLab's ``/builds/OWNER/NAME/``, CircleCI's ``~/project/``...):
    the command runs in the reader's checkout, where the runner's directories do not exist."""
    path = path.replace("\\", "/")
    for pattern in _WORKSPACES:
        path = pattern.sub("", path, count=1)
    if repository and path.startswith("/"):
        name = repository.rstrip("/").rsplit("/", 1)[-1]
        for marker in (f"/{repository.strip('/')}/", f"/{name}/{name}/", f"/{name}/"):
            if marker in path:
                return path.split(marker, 1)[1]
    return path


def _file_in_classname(classname: str) -> str:
    """jest-junit's ``classNameTemplate: {filepath}`` puts the test file in the classname."""
    suffix = PurePosixPath(classname).suffix.lower()
    return classname if "/" in classname and suffix in JS_EXTENSIONS and " " not in classname else ""


def _java_class(parts: list[str]) -> bool:
    """``org.acme.FooTest``: lower-case package names, then a class; not ``Tests.Authentication`` (a PHP
    suite) nor ``AcmeLibTests.AcmeLibTests`` (Swift), which have no package."""
    return (
        len(parts) > 1
        and all(_JAVA_METHOD.match(part) for part in parts)
        and all(part[:1].islower() for part in parts[:-1])
        and parts[-1][:1].isupper()
    )


def _class_from_file(file: str) -> str:
    """``src/test/java/org/acme/FooTest.java`` -> ``org.acme.FooTest`` (after a ``java``/``kotlin`` root)."""
    parts = PurePosixPath(file).with_suffix("").parts
    roots = [i for i, part in enumerate(parts) if part in {"java", "kotlin", "scala", "groovy"}]
    return ".".join(parts[roots[-1] + 1 :]) if roots else (parts[-1] if parts else "")


def _literal(text: str) -> str:
    """``text`` as a regular expression matching itself, in the syntax JavaScript, RE2 (Go) and PCRE
    (PHPUnit) share: only their metacharacters escaped, so a name with spaces stays readable."""
    return _METACHARACTERS.sub(r"\\\g<0>", text)


def _join(*words: str) -> str:
    return " ".join(shlex.quote(word) for word in words)


Command = Callable[[TestHints, str], "str | None"]
_BY_FORMAT: dict[str, Command] = {
    **dict.fromkeys(DOTNET_FORMATS, _dotnet),
    "mocha-json": _mocha,
    "dart-json": _dart,
}
_BY_EXTENSION: tuple[tuple[frozenset[str], Command], ...] = (
    (frozenset({".py"}), _pytest),
    (frozenset({".go"}), _go),
    (JVM_EXTENSIONS, _jvm),
    (JS_EXTENSIONS, _javascript),
    (frozenset({".cs", ".fs", ".vb"}), _dotnet),
    (frozenset({".rb"}), _rspec),
    (frozenset({".rs"}), _cargo),
    (frozenset({".php"}), _phpunit),
)
