"""What a report says about itself: the totals in its header, and whether the cases read agree with them.

JUnit, NUnit, xUnit.net and TRX files declare their own counts, and so does Mocha's JSON. The cases are
what count (a header is written by the same tool, sometimes wrongly), but a disagreement means the file or
our reading of it is wrong, and a person should hear of it: ``disagreement`` says so in one line.

Each format's counts are put into one vocabulary by that format's own definitions, so the comparison is
like for like; docs/report-format.md ("Declared totals") gives the mapping and why. A label is declared
only when the header gives it; a count summed over several elements (JUnit suites, xUnit.net
assemblies) only when every one of them gives it.
"""

from __future__ import annotations

from collections.abc import Mapping

from agent.model import Status
from agent.parsers._values import integer

Declared = dict[str, int]

# The vocabulary: each label counts the cases of these statuses.
LABELS: dict[str, frozenset[Status]] = {
    "tests": frozenset(Status),
    "passed": frozenset({Status.PASSED}),
    "failed": frozenset({Status.FAILED, Status.ERROR}),  # formats that do not tell failures from errors
    "failures": frozenset({Status.FAILED}),
    "errors": frozenset({Status.ERROR}),
    "skipped": frozenset({Status.SKIPPED}),
}


def _pick(attrs: Mapping[str, str], **labels: tuple[str, ...]) -> Declared:
    """``label=(attribute, ...)``: each label is the sum of its attributes, declared when any is given."""
    declared: Declared = {}
    for label, names in labels.items():
        values = [integer(attrs.get(name)) for name in names]
        if any(value is not None for value in values):
            declared[label] = sum(value or 0 for value in values)
    return declared


def combine(total: Declared | None, part: Declared) -> Declared:
    """``total`` plus one more element's counts, keeping only the labels both declare."""
    if total is None:
        return dict(part)
    return {label: count + part[label] for label, count in total.items() if label in part}


def junit(attrs: Mapping[str, str]) -> Declared:
    """``<testsuites>``/``<testsuite>``: ``disabled`` (CTest, the Jenkins schema) is skipped for us."""
    return _pick(
        attrs,
        tests=("tests",),
        failures=("failures",),
        errors=("errors",),
        skipped=("skipped", "disabled"),
    )


def nunit2(attrs: Mapping[str, str]) -> Declared:
    """``<test-results>``: ``total`` is every case; ``not-run`` holds ignored, skipped and ``invalid``
    (NotRunnable) cases, and ``inconclusive`` is apart. We count NotRunnable as an error (nunit-console
    fails the run for it; NUnit 3 calls the same case Failed/Invalid) and inconclusive as skipped.
    Writers before NUnit 2.5 have no ``errors``: their ``failures`` hold both."""
    declared = _pick(
        attrs,
        tests=("total",),
        failures=("failures",),
        errors=("errors", "invalid"),
        skipped=("not-run", "inconclusive"),
    )
    if "errors" not in declared and "failures" in declared:
        declared["failed"] = declared.pop("failures")
    invalid = integer(attrs.get("invalid"))
    if invalid and "skipped" in declared:
        declared["skipped"] -= invalid
    return declared


def nunit3(attrs: Mapping[str, str]) -> Declared:
    """``<test-run>`` or a root ``<test-suite>``: ``failed`` holds errors, invalid and cancelled cases;
    ``warnings`` are passes for us and ``inconclusive`` skips."""
    return _pick(
        attrs,
        tests=("total",),
        passed=("passed", "warnings"),
        failed=("failed",),
        skipped=("skipped", "inconclusive"),
    )


def xunit(attrs: Mapping[str, str]) -> Declared:
    """``<assembly>``: ``total`` counts tests; each of the ``errors`` (v2) is a case of its own for us.
    v1 has no ``errors``, and its ``total`` may count tests it never lists, so only the outcomes are
    compared."""
    declared = _pick(
        attrs, passed=("passed",), failures=("failed",), errors=("errors",), skipped=("skipped", "not-run")
    )
    total = integer(attrs.get("total"))
    if total is not None and "errors" in declared:
        declared = {"tests": total + declared["errors"], **declared}
    return declared


def trx(attrs: Mapping[str, str]) -> Declared:
    """``<ResultSummary><Counters>``: every outcome, data-driven rows counted one by one, as we do."""
    return _pick(
        attrs,
        tests=("total",),
        passed=("passed", "passedButRunAborted", "warning", "completed"),
        failures=("failed",),
        errors=("error", "timeout", "aborted", "disconnected", "notRunnable"),
        skipped=("notExecuted", "inconclusive", "pending", "inProgress"),
    )


def mocha(stats: Mapping[str, object]) -> Declared:
    """Mocha's ``stats``: its ``failures`` include failing hooks, which are error cases for us, while its
    ``tests`` leave them out, so ``tests`` is not compared."""
    numbers = {key: str(value) for key, value in stats.items() if isinstance(value, int)}
    return _pick(numbers, passed=("passes",), failed=("failures",), skipped=("pending",))


def parsed(declared: Declared, counts: Mapping[Status, int]) -> Declared:
    """The cases read, counted under the labels ``declared`` uses."""
    return {label: sum(counts.get(status, 0) for status in LABELS[label]) for label in declared}


def disagreement(path: str, declared: Declared | None, counts: Mapping[Status, int]) -> str | None:
    """One warning line when the cases read do not add up to what the file declares; None when they do
    or when it declares nothing."""
    if not declared:
        return None
    found = parsed(declared, counts)
    if found == declared:
        return None
    return f"warning: {path} declares {_render(declared)} but its cases add up to {_render(found)}"


def _render(counts: Declared) -> str:
    return " ".join(f"{label}={count}" for label, count in counts.items())
