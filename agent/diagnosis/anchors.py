"""Where the error is: detectors for the output of the tools CI runs, each pointing at whole error blocks.

A detector reads the cleaned lines (``agent.diagnosis.lines``) and returns ``Hit`` values: a block of
lines (0-based, inclusive), how sure it is that the block explains the failure, and its name. Detectors
know the shape of a tool's report of an error, not just a word in it: a Python traceback runs from its
header to the exception line, a Rust error from ``error[E..]`` to the end of its source snippet, Gradle's
``* What went wrong:`` to ``* Try:``. That shape is what lets an excerpt show the whole error and nothing
around it, where a search for the word "error" finds both too little and too much.

Scores: 100 for what the CI itself flagged as an error, 90 for a tool's own error block, 60 for a test
framework's summary line, 40 for a line a generic pattern finds, 20 for the runner's closing "exit code"
line. The excerpt (``agent.diagnosis.excerpt``) spends its line budget in that order.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from agent.diagnosis.lines import Kind, Line

FLAGGED, BLOCK, SUMMARY, GENERIC, EXIT = 100, 90, 60, 40, 20


@dataclass(frozen=True, slots=True)
class Hit:
    first: int
    last: int
    score: int
    rule: str


Detector = Callable[[Sequence[Line]], Iterator[Hit]]


def _texts(lines: Sequence[Line]) -> Sequence[tuple[int, str]]:
    """The lines that may hold an error (not markers, progress bars or blanks), indexed; computed once
    per log, since every detector walks them."""
    if isinstance(lines, _Readable):
        return lines.texts
    return [(i, line.text) for i, line in enumerate(lines) if line.kind in (Kind.TEXT, Kind.ANNOTATION)]


class _Readable(list):
    """The cleaned lines with the ones a detector could start at worked out once: a line no detector's
    first pattern matches (most of a log) is read by two regular expressions instead of thirty."""

    def __init__(self, lines: Sequence[Line]) -> None:
        super().__init__(lines)
        self.texts = [
            (i, line.text)
            for i, line in enumerate(lines)
            if line.kind is Kind.ANNOTATION or (line.kind is Kind.TEXT and _could_start(line.text))
        ]


def _could_start(text: str) -> bool:
    return bool(_STARTS.match(text) or _CONTAINS.search(text))


def _union(patterns: Sequence[re.Pattern[str]]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?{'i' if p.flags & re.IGNORECASE else ''}:{p.pattern})" for p in patterns))


def _block_end(lines: Sequence[Line], start: int, continues: Callable[[str], bool], limit: int) -> int:
    """The last line from ``start`` on for which ``continues`` holds (at most ``limit`` lines on)."""
    end = start
    for index in range(start + 1, min(len(lines), start + limit + 1)):
        if lines[index].kind is Kind.PROGRESS:
            continue
        if not continues(lines[index].text):
            break
        end = index
    return end


def _cause_and_frames(lines: Sequence[Line], start: int, *, frames: int) -> int:
    """The end of an exception line at ``start`` and its first ``frames`` stack frames."""
    if start >= len(lines) or not lines[start].text.strip() or lines[start].text.startswith("["):
        return start - 1
    return _block_end(lines, start, lambda t: bool(_FRAME.match(t)), frames)


_FRAME = re.compile(r"^\s+at \S")  # a stack frame of Java, JavaScript, C#


def annotations(lines: Sequence[Line]) -> Iterator[Hit]:
    """``##[error]`` and ``::error`` lines: the CI's own word that this line is an error."""
    for index, line in enumerate(lines):
        if line.kind is Kind.ANNOTATION and not _EXIT_CODE.search(line.text):
            yield Hit(index, index, FLAGGED, "ci-annotation")


_TRACEBACK = re.compile(r"^\s*Traceback \(most recent call last\):")
_PY_EXCEPTION = re.compile(r"^\s*[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Failure|Warning)\b.*")


def python_tracebacks(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if not _TRACEBACK.match(text):
            continue
        indent = len(text) - len(text.lstrip())
        end = index
        for later in range(index + 1, min(len(lines), index + 400)):
            following = lines[later].text
            if lines[later].kind is Kind.BLANK:
                continue
            end = later
            if len(following) - len(following.lstrip()) <= indent and not following.lstrip().startswith(
                ("File ", "^", "~")
            ):
                break  # the exception line closes the traceback
        yield Hit(index, end, BLOCK, "python-traceback")


_PYTEST_E = re.compile(r"^E {2,}\S")
_PYTEST_LOCATION = re.compile(r"^[\w./\\-]+\.py:\d+: \w*(?:Error|Exception|Failed)\b")
_PYTEST_SUMMARY = re.compile(r"^(?:FAILED|ERROR) [\w./\\-]+\.py(?:::|\s|$)")
_PYTEST_COLLECT = re.compile(r"^(?:_+ )?ERROR collecting |^ImportError while importing test module")
_PYTEST_FRAME = re.compile(r"^[\w./\\-]+\.py:\d+: in \S")


def pytest(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if _PYTEST_E.match(text):
            yield Hit(index, index, BLOCK, "pytest-assertion")
        elif _PYTEST_LOCATION.match(text) or _PYTEST_COLLECT.match(text):
            yield Hit(index, index, BLOCK, "pytest-error")
        elif _PYTEST_SUMMARY.match(text):
            yield Hit(index, index, SUMMARY, "pytest-summary")
        elif _PYTEST_FRAME.match(text) and index + 2 < len(lines) and _PYTEST_E.match(lines[index + 2].text):
            yield Hit(index + 1, index + 1, BLOCK, "pytest-error")  # the source line that raised


_MAVEN_ERROR = re.compile(r"^\[ERROR\]\s+\S")
_MAVEN_BOILERPLATE = re.compile(
    r"^\[ERROR\]\s+(?:-> \[Help \d+\]|Re-run Maven|COMPILATION ERROR|Failures:\s*$|Errors:\s*$|"
    r"To see the full stack trace|For more information about|"
    r"\[Help \d+\]|After correcting the problems|Failed to execute goal .*: There (?:are|were) test failures|"
    r"Please refer to .* for the individual test results|Tests run:|$)"
)
_MAVEN_TEST = re.compile(r"<<< (?:FAILURE|ERROR)!$")


def maven(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if _MAVEN_TEST.search(text) and not text.startswith("[ERROR] Tests run:"):
            yield Hit(index, _cause_and_frames(lines, index + 1, frames=2), BLOCK, "maven-test-failure")
        elif _MAVEN_ERROR.match(text) and not _MAVEN_BOILERPLATE.match(text):
            end = _block_end(lines, index, lambda t: t.startswith("  ") and bool(t.strip()), 4)
            yield Hit(index, end, BLOCK, "maven-error")


_GRADLE_WRONG = re.compile(r"^\* What went wrong:")
_GRADLE_TEST = re.compile(r"^\S.* > .* FAILED$")
_JAVAC = re.compile(r"^\S+\.(?:java|kt|scala|groovy):\d+: error: |^e: (?:file://)?\S+\.kts?:")


def gradle(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if _GRADLE_WRONG.match(text):
            end = _block_end(lines, index, lambda t: not t.startswith(("* Try:", "* Exception is:")), 40)
            while end > index and lines[end].kind is Kind.BLANK:
                end -= 1
            yield Hit(index, end, BLOCK, "gradle-what-went-wrong")
        elif _GRADLE_TEST.match(text):
            end = _block_end(lines, index, lambda t: t.startswith((" ", "\t")) and bool(t.strip()), 6)
            yield Hit(index, end, BLOCK, "gradle-test-failed")
        elif _JAVAC.match(text):
            end = _block_end(lines, index, lambda t: t.startswith((" ", "\t")) and bool(t.strip()), 3)
            yield Hit(index, end, BLOCK, "compiler-error")


_NPM_ERROR = re.compile(r"^npm (?:ERR!|error) ")
_NPM_BOILERPLATE = re.compile(
    r"^npm (?:ERR!|error) (?:A complete log of this run|\s*$|code \w+$|errno \d|"
    r"path |command (?:failed|sh)|This is probably not a problem with npm|Failed at the|"
    r"Exit status|Lifecycle script)"
)
_JS_ERROR = re.compile(r"^\s*(?:Uncaught )?(?:[A-Z]\w*)?Error(?: \[\w+\])?: \S")
_JEST = re.compile(r"^\s*● (?!Console)\S")
_TS = re.compile(r"^\S+\.tsx?[(:]\d+[,:]\d+\)?:? - error TS\d+:|^\S+\.tsx?\(\d+,\d+\): error TS\d+:")
_ESLINT = re.compile(r"^\s+\d+:\d+\s+error\s+\S")


def node(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if _NPM_ERROR.match(text):
            if not _NPM_BOILERPLATE.match(text):
                yield Hit(index, index, SUMMARY, "npm-error")
        elif _JEST.match(text):
            end = _block_end(lines, index, lambda t: not _JEST.match(t) and (not t or t[0] == " "), 30)
            frames = [i for i in range(index, end + 1) if _FRAME.match(lines[i].text)]
            yield Hit(index, frames[0] if frames else end, BLOCK, "jest-failure")
        elif _JS_ERROR.match(text):
            end = _block_end(lines, index, lambda t: bool(_FRAME.match(t)), 5)
            yield Hit(index, end, BLOCK, "js-error")
        elif _TS.match(text) or _ESLINT.match(text):
            yield Hit(index, index, BLOCK, "js-check")


_RUST_ERROR = re.compile(r"^error(?:\[E\d+\])?: (?!aborting due to|could not compile)")
_RUST_SNIPPET = re.compile(r"^\s*(?:-->|\||\d+\s*\||= |\.\.\.)")
_PANIC = re.compile(r"^thread '.*' panicked at")
_CARGO_TEST = re.compile(r"^---- \S+ stdout ----$")


def rust(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if _RUST_ERROR.match(text):
            yield Hit(
                index, _block_end(lines, index, lambda t: bool(_RUST_SNIPPET.match(t)), 40), BLOCK, "rustc"
            )
        elif _CARGO_TEST.match(text):
            end = _block_end(lines, index, lambda t: bool(t.strip()) and not _CARGO_TEST.match(t), 20)
            yield Hit(index, end, BLOCK, "cargo-test")
        elif _PANIC.match(text):
            yield Hit(index, _block_end(lines, index, lambda t: bool(t.strip()), 3), BLOCK, "panic")


_GO_FAIL = re.compile(r"^\s*--- FAIL: ")
_GO_COMPILE = re.compile(r"^\S+\.go:\d+(?::\d+)?: \S")
_GO_PANIC = re.compile(r"^panic: ")
_GO_TEST_LINE = re.compile(r"^\s{4,}\S+\.go:\d+: ")


def go(lines: Sequence[Line]) -> Iterator[Hit]:
    for index, text in _texts(lines):
        if _GO_FAIL.match(text):
            indent = len(text) - len(text.lstrip())
            end = _block_end(
                lines, index, lambda t, i=indent: len(t) - len(t.lstrip()) > i and bool(t.strip()), 30
            )
            yield Hit(index, end, BLOCK, "go-test")
        elif _GO_TEST_LINE.match(text):
            yield Hit(index, index, BLOCK, "go-test")
        elif _GO_COMPILE.match(text):
            yield Hit(index, index, BLOCK, "go-build")
        elif _GO_PANIC.match(text):
            yield Hit(index, _block_end(lines, index, lambda t: bool(t.strip()), 8), BLOCK, "panic")


_LINT = re.compile(
    r"^\S+\.\w+:\d+:\d+: (?:[A-Z]{1,3}\d{2,4}|[A-Z]\d{4}|\[[\w-]+\])\b"  # flake8, ruff, pylint, shellcheck
    r"|^\S+\.\w+:\d+(?::\d+)?: error: "  # mypy, gcc, clang
    r"|^\S+\.\w+:\d+:\d+: \w+ (?:violation|error)"
)


# A formatter's check (ruff format --check, black --check): a file it would reformat, ruff's with the
# location and diff below it up to the blank line; then its count of such files.
_FORMAT = re.compile(r"^(?:unformatted: File would be reformatted|Would reformat: \S|would reformat \S)")
_FORMAT_SUMMARY = re.compile(r"^\d+ files? would be reformatted")


def lint(lines: Sequence[Line]) -> Iterator[Hit]:
    """A checker's finding: a file, a line, a column and a code, one per line; a formatter's complaint
    about a file, with ruff's diff of it."""
    for index, text in _texts(lines):
        if _LINT.match(text):
            yield Hit(index, index, BLOCK, "lint")
        elif _FORMAT.match(text):
            end = _block_end(lines, index, lambda t: bool(t.strip()), 30) if text[0] == "u" else index
            yield Hit(index, end, BLOCK, "formatter")
        elif _FORMAT_SUMMARY.match(text):
            yield Hit(index, index, SUMMARY, "formatter")


_GENERIC = re.compile(
    r"(?:^|[\s:\]])(?:error|fatal|failed|failure|exception|segmentation fault|killed|cannot find|"
    r"no such file or directory|permission denied|not found|unable to|could not)\b",
    re.IGNORECASE,
)
_NOT_AN_ERROR = re.compile(
    r"\b0 (?:errors?|failures?|failed)\b|\b(?:errors?|failures?|failed):? 0\b|\bno errors?\b|-Werror|"
    r"\bwarning\b|continue-on-error|if: failure\(\)|error_reporting|--fail-|fail-fast|allow_failure|"
    r"ignore_errors|\berror\.(?:log|txt)\b",
    re.IGNORECASE,
)
_MAKE = re.compile(r"^(?:g?make|ninja)(?:\[\d+\])?: \*\*\* |^ninja: build stopped")
_EXIT_CODE = re.compile(
    r"Process completed with exit code [1-9]|ERROR: Job failed|exited with (?:code|status) [1-9]|"
    r"Exited with code (?:exit status )?[1-9]|returned non-zero exit status",
    re.IGNORECASE,
)


def generic(lines: Sequence[Line]) -> Iterator[Hit]:
    """Lines any tool might print: a word like "error" or "fatal" where a sentence would put it."""
    for index, text in _texts(lines):
        if _EXIT_CODE.search(text):
            yield Hit(index, index, EXIT, "exit-code")
        elif _MAKE.match(text):
            yield Hit(index, index, SUMMARY, "make")
        elif _GENERIC.search(text) and not _NOT_AN_ERROR.search(text):
            yield Hit(index, index, GENERIC, "generic")


# Every pattern a detector starts a hit at: those it matches at the start of a line, and those it searches.
_STARTS = _union(
    (
        _TRACEBACK, _PYTEST_E, _PYTEST_LOCATION, _PYTEST_SUMMARY, _PYTEST_COLLECT, _PYTEST_FRAME,
        _MAVEN_ERROR, _GRADLE_WRONG, _GRADLE_TEST, _JAVAC, _NPM_ERROR, _JEST, _JS_ERROR, _TS, _ESLINT,
        _RUST_ERROR, _CARGO_TEST, _PANIC, _GO_FAIL, _GO_COMPILE, _GO_PANIC, _GO_TEST_LINE, _LINT, _FORMAT,
        _FORMAT_SUMMARY, _MAKE,
    )
)  # fmt: skip
_CONTAINS = _union((_MAVEN_TEST, _GENERIC, _EXIT_CODE))

DETECTORS: tuple[Detector, ...] = (
    annotations,
    python_tracebacks,
    pytest,
    maven,
    gradle,
    node,
    rust,
    go,
    lint,
    generic,
)


def detect(lines: Sequence[Line]) -> list[Hit]:
    readable = _Readable(lines)
    return [hit for detector in DETECTORS for hit in detector(readable)]
