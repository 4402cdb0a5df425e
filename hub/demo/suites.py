"""The demo projects and their test suites: names in each tool's dialect, and how every test behaves.

Each project tests with a different tool (pytest, Jest, JUnit through Maven Surefire) and its tests are
named the way that tool's JUnit XML names them, so the hub shows what a user would see from their own CI.
A test carries its behaviour (typical duration, a skip reason, how often and how it flakes) so that the
timeline in ``hub.demo.generator`` only rolls dice. Built from a seeded ``random.Random``: deterministic.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

PYTEST, JEST, JUNIT = "pytest", "jest", "junit"


@dataclass(frozen=True, slots=True)
class Failure:
    """How a test fails: what its report says."""

    message: str
    failure_type: str
    trace: str
    duration: float | None = None  # a timeout takes the whole timeout, whatever the test's usual time


@dataclass(frozen=True, slots=True)
class SuiteTest:
    name: str
    classname: str
    suite: str | None
    file: str
    line: int
    median: float  # seconds, on a typical runner
    skip_reason: str | None = None
    flake_rate: float = 0.0
    flake: Failure | None = None


@dataclass(frozen=True, slots=True)
class JobSpec:
    name: str
    tests: bool = True  # False: a lint job, reporting its checks as cases
    coverage: bool = False
    speed: float = 1.0  # a factor on test durations (newer runtimes are a little faster)


@dataclass(frozen=True, slots=True)
class ProjectSpec:
    """A demo project: where it lives, how its CI is laid out, what it tests and who works on it."""

    full_name: str
    provider: str
    tool: str
    workflow: str
    jobs: tuple[JobSpec, ...]
    areas: tuple[tuple[str, tuple[str, ...]], ...]  # (package or folder, nouns it deals with)
    regression_area: str
    regression: str  # what the regression breaks, as a failure message
    retries: int  # in-job retries of a failed test (pytest-rerunfailures, Surefire rerunFailingTestsCount)
    coverage_format: str
    daily_prs: float
    owner: str
    members: tuple[str, ...]
    lint_checks: tuple[str, ...]  # the formatter first: it is the one a hasty first push fails

    @property
    def slug(self) -> str:
        return self.full_name.rsplit("/", 1)[1]


PROJECTS: tuple[ProjectSpec, ...] = (
    ProjectSpec(
        full_name="acme-labs/ledger-api",
        provider="github",
        tool=PYTEST,
        workflow="CI",
        jobs=(
            JobSpec("lint", tests=False),
            JobSpec("test (3.11)"),
            JobSpec("test (3.12)", coverage=True, speed=0.93),
        ),
        areas=(
            ("accounts", ("account", "balance", "ledger_entry", "transfer", "statement")),
            ("invoices", ("invoice", "line_item", "tax_rate", "credit_note", "rounding")),
            ("payments", ("payment", "refund", "payout", "card_token", "webhook_event")),
            ("auth", ("session", "api_key", "password_reset", "permission")),
            ("reports", ("export", "monthly_summary", "aging_report")),
            ("integration", ("stripe_sandbox", "postgres_listener", "email_outbox")),
        ),
        regression_area="invoices",
        regression="AssertionError: assert Decimal('10.50') == Decimal('10.49')",
        retries=1,
        coverage_format="cobertura",
        daily_prs=2.2,
        owner="priya",
        members=("tom", "kofi"),
        lint_checks=("ruff format --check", "ruff check", "mypy"),
    ),
    ProjectSpec(
        full_name="northwind/storefront-web",
        provider="gitlab",
        tool=JEST,
        workflow="",
        jobs=(
            JobSpec("lint", tests=False),
            JobSpec("jest: [node 20]"),
            JobSpec("jest: [node 22]", coverage=True, speed=0.9),
        ),
        areas=(
            ("cart", ("CartSummary", "CouponField", "ShippingEstimate", "cartReducer", "MiniCart")),
            ("checkout", ("AddressForm", "PaymentStep", "OrderReview", "checkoutMachine", "GiftOptions")),
            ("catalog", ("ProductCard", "SearchBox", "FacetFilter", "useProducts", "PriceTag")),
            ("account", ("LoginForm", "OrderHistory", "WishList", "ProfileForm")),
            ("shared", ("formatPrice", "useDebounce", "Modal", "apiClient", "i18n")),
        ),
        regression_area="cart",
        regression='expect(received).toBe(expected) // Object.is equality\n\nExpected: "€24.90"\nReceived: '
        '"€24.9"',
        retries=0,
        coverage_format="lcov",
        daily_prs=2.4,
        owner="lena",
        members=("tom",),
        lint_checks=("prettier --check", "eslint", "tsc --noEmit"),
    ),
    ProjectSpec(
        full_name="globex/payments-gateway",
        provider="circleci",
        tool=JUNIT,
        workflow="build-test",
        jobs=(
            JobSpec("checkstyle", tests=False),
            JobSpec("unit-tests-jdk17"),
            JobSpec("unit-tests-jdk21", coverage=True, speed=0.95),
        ),
        areas=(
            ("authorization", ("Authorization", "Capture", "Void", "RiskScore", "ThreeDSecure")),
            ("settlement", ("Settlement", "Batch", "Reconciliation", "Fee", "Chargeback")),
            ("currency", ("ExchangeRate", "Money", "CurrencyCode", "Rounding")),
            ("api", ("PaymentController", "IdempotencyFilter", "ErrorMapper", "WebhookSigner")),
            ("persistence", ("PaymentRepository", "OutboxRelay", "LedgerWriter")),
        ),
        regression_area="currency",
        regression="expected: <1086.42> but was: <1086.43>",
        retries=1,
        coverage_format="cobertura",
        daily_prs=1.6,
        owner="kofi",
        members=("priya",),
        lint_checks=("checkstyle", "spotbugs"),
    ),
)

# How often each of a project's flaky tests fails a first attempt: one notorious, the rest now and then.
FLAKE_RATES = (0.07, 0.035, 0.02, 0.015, 0.01)
USERS = ("priya", "tom", "kofi", "lena")

_VERBS = (
    ("creates", "create"),
    ("rejects", "reject"),
    ("updates", "update"),
    ("lists", "list"),
    ("deletes", "delete"),
    ("validates", "validate"),
    ("serializes", "serialize"),
    ("retries", "retry"),
    ("caches", "cache"),
    ("paginates", "paginate"),
    ("rounds", "round"),
    ("locks", "lock"),
    ("expires", "expire"),
    ("exports", "export"),
    ("merges", "merge"),
    ("renders", "render"),
)
_CONDITIONS = (
    "",
    "",
    "",
    "when empty",
    "with zero amount",
    "for unknown currency",
    "after timeout",
    "when unauthorized",
    "with duplicate key",
    "across time zones",
    "on second attempt",
    "with stale version",
    "for archived records",
    "in bulk",
    "with unicode names",
    "at month end",
)
_SKIPS = {
    PYTEST: "Skipped: requires PostgreSQL 16 (set TEST_DATABASE_URL)",
    JEST: None,
    JUNIT: '@Disabled("sandbox certificate expired, see PAY-1432")',
}


def build_suite(spec: ProjectSpec, rng: random.Random) -> list[SuiteTest]:
    """A few hundred tests for ``spec``, with a handful of flaky ones, in a stable order."""
    tests: list[SuiteTest] = []
    for area, nouns in spec.areas:
        slow = area in {"integration", "persistence", "checkout"}
        for noun in nouns:
            behaviours = rng.sample([(v, c) for v in _VERBS for c in _CONDITIONS], rng.randint(6, 13))
            line = rng.randint(8, 30)
            for verb, condition in behaviours:
                median = math.exp(rng.gauss(math.log(0.9 if slow else 0.025), 0.8))
                tests.append(_named(spec, area, noun, verb, condition, line, round(median, 4)))
                line += rng.randint(6, 28)
    for index in rng.sample(range(len(tests)), max(2, len(tests) // 70)):
        test = tests[index]
        tests[index] = _replace(test, skip_reason=_SKIPS[spec.tool] or "skipped")
    candidates = [i for i, t in enumerate(tests) if t.skip_reason is None]
    for index, rate in zip(rng.sample(candidates, len(FLAKE_RATES)), FLAKE_RATES, strict=True):
        test = tests[index]
        tests[index] = _replace(test, flake_rate=rate, flake=_flake(spec.tool, test, rng))
    return tests


def _replace(test: SuiteTest, **changes) -> SuiteTest:
    fields = {name: getattr(test, name) for name in SuiteTest.__slots__}
    return SuiteTest(**{**fields, **changes})


def _named(
    spec: ProjectSpec, area: str, noun: str, verb: tuple[str, str], condition: str, line: int, median: float
) -> SuiteTest:
    third, base = verb
    words = noun.replace("_", " ")
    if spec.tool == PYTEST:
        name = "test_" + "_".join(f"{base} {words} {condition}".split())
        return SuiteTest(
            name=name,
            classname=f"tests.{area}.test_{noun}",
            suite="pytest",
            file=f"tests/{area}/test_{noun}.py",
            line=line,
            median=median,
        )
    if spec.tool == JEST:
        title = " ".join(f"{third} {condition or 'by default'}".split())
        file = f"src/{area}/{noun}.test.{'tsx' if noun[0].isupper() else 'ts'}"
        return SuiteTest(
            name=f"{noun} {title}", classname=noun, suite=file, file=file, line=line, median=median
        )
    method = "should" + "".join(w[0].upper() + w[1:] for w in f"{base} {noun} {condition}".split())
    package = "com.globex.payments." + area
    classname = f"{package}.{noun}{'IT' if area == 'persistence' else 'Test'}"
    return SuiteTest(
        name=method,
        classname=classname,
        suite=classname,
        file=f"src/test/java/{classname.replace('.', '/')}.java",
        line=line,
        median=median,
    )


def _flake(tool: str, test: SuiteTest, rng: random.Random) -> Failure:
    """A failure mode that comes and goes: a timeout, a race, a dropped connection."""
    mode = rng.choice(("timeout", "race", "network"))
    where = f"{test.file}:{test.line + rng.randint(3, 20)}"
    if tool == PYTEST:
        cases = {
            "timeout": ("TimeoutError: no 'payment.settled' event within 5.0 s", "TimeoutError", 5.0),
            "race": (
                "AssertionError: assert 2 == 1\n +  where 2 = len([<Entry 1>, <Entry 1>])",
                "AssertionError",
                None,
            ),
            "network": (
                "ConnectionResetError: [Errno 104] Connection reset by peer",
                "ConnectionResetError",
                None,
            ),
        }
        message, kind, duration = cases[mode]
        trace = f"{where}: in {test.name}\n    result = wait_for(client, event)\nE   {message}"
        return Failure(message, kind, trace, duration)
    if tool == JEST:
        cases = {
            "timeout": ('thrown: "Exceeded timeout of 5000 ms for a test."', "Error", 5.0),
            "race": (
                "expect(element).toBeInTheDocument()\n\nelement could not be found in the document",
                "Error",
                None,
            ),
            "network": (
                "FetchError: request to http://localhost:4010/api/cart failed, reason: socket hang up",
                "FetchError",
                None,
            ),
        }
        message, kind, duration = cases[mode]
        trace = (
            f"{kind}: {message}\n    at Object.<anonymous> ({where}:17)\n    at processTicksAndRejections "
            "(node:internal/process/task_queues:95:5)"
        )
        return Failure(message, kind, trace, duration)
    cases = {
        "timeout": (
            "Condition with lambda expression in PaymentFlowIT was not fulfilled within 10 seconds.",
            "org.awaitility.core.ConditionTimeoutException",
            10.0,
        ),
        "race": ("expected: <SETTLED> but was: <PENDING>", "org.opentest4j.AssertionFailedError", None),
        "network": ("Connection refused: localhost/127.0.0.1:5432", "java.net.ConnectException", None),
    }
    message, kind, duration = cases[mode]
    return Failure(message, kind, _java_trace(kind, message, test), duration)


def _java_trace(kind: str, message: str, test: SuiteTest) -> str:
    simple = test.classname.rsplit(".", 1)[1]
    return (
        f"{kind}: {message}\n\tat org.junit.jupiter.api.AssertionUtils.fail(AssertionUtils.java:55)\n"
        f"\tat {test.classname}.{test.name}({simple}.java:{test.line + 4})\n"
        "\tat java.base/java.lang.reflect.Method.invoke(Method.java:580)"
    )


def regression_failure(spec: ProjectSpec, test: SuiteTest) -> Failure:
    """The failure a real regression causes: the same message every time, pointing at the same line."""
    if spec.tool == PYTEST:
        trace = (
            f"{test.file}:{test.line + 6}: in {test.name}\n    assert invoice.total == expected\nE   "
            f"{spec.regression}"
        )
        return Failure(spec.regression, "AssertionError", trace)
    if spec.tool == JEST:
        trace = f"Error: {spec.regression}\n    at Object.<anonymous> ({test.file}:{test.line + 6}:38)"
        return Failure(spec.regression, "Error", trace)
    kind = "org.opentest4j.AssertionFailedError"
    return Failure(spec.regression, kind, _java_trace(kind, spec.regression, test))


def broken_on_branch(spec: ProjectSpec, test: SuiteTest) -> Failure:
    """A test a pull request breaks in its first commit and fixes in the next."""
    if spec.tool == PYTEST:
        message = "KeyError: 'currency'"
        return Failure(message, "KeyError", f"{test.file}:{test.line + 3}: in {test.name}\nE   {message}")
    if spec.tool == JEST:
        message = "TypeError: Cannot read properties of undefined (reading 'amount')"
        return Failure(message, "TypeError", f"{message}\n    at {test.file}:{test.line + 3}:21")
    message = 'Cannot invoke "Money.amount()" because "fee" is null'
    kind = "java.lang.NullPointerException"
    return Failure(message, kind, _java_trace(kind, message, test))


def lint_failure(spec: ProjectSpec, check: str, path: str) -> Failure:
    """What a lint check says when a pull request's first commit is not formatted."""
    if spec.tool == PYTEST:
        message = f"Would reformat: {path}\n1 file would be reformatted"
    elif spec.tool == JEST:
        message = f"[warn] {path}\n[warn] Code style issues found in the above file. Run Prettier to fix."
    else:
        message = (
            f"[ERROR] {path}:[41,9] (whitespace) WhitespaceAround: '{{' is not preceded with whitespace."
        )
    return Failure(message, check, message)
