"""The API answers as /api/schema/ says it does: schemathesis generates requests from the hub's own schema
(its examples, the boundaries and negative cases of every parameter, then random ones) and checks every
answer: no server error, a documented status, a body of the documented shape, invalid input refused,
missing authentication refused.

It runs in-process against the WSGI application with demo data seeded through the real ingest API, as a
project's owner with a read-write token (the agent's token for the upload operations), on SQLite and, in
``make test``'s second run, on PostgreSQL. Bounded in time: few examples per operation, derandomized, so a
run is the same every time and a failure reproduces with the curl command it prints.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
import schemathesis
from django.core import signals
from django.core.management import call_command
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from hub.failures.models import FailureCluster
from hub.flaky.models import QuarantineEntry
from hub.projects.models import AgentToken, ApiToken, Project
from hub.projects.tokens import digest
from hub.runs.models import Run, Test
from hub.wsgi import application

MAX_EXAMPLES = 12  # random cases per operation, beside its examples and boundary cases
UPLOAD_EXAMPLES = 4  # each one is a whole ingest
SEED_DAYS = ("--days", "1", "--end", date(2026, 11, 19).isoformat())
AGENT_OPERATIONS = ("/api/v1/reports", "/api/v1/artifacts")
# Fixed tokens, so that the cases schemathesis builds while collecting carry them too.
SECRET = "fuzzing-secret"
TOKENS = {"api": f"orch_u_fuzzuser0001_{SECRET}", "agent": f"orch_a_fuzzagent001_{SECRET}"}
# The rows a path's id names, by its resource: /api/v1/<resource>/{id}/, /api/v1/<resource>/{run_id}/...
ROWS = {
    "projects": Project,
    "runs": Run,
    "tests": Test,
    "clusters": FailureCluster,
    "quarantine": QuarantineEntry,
}
KNOWN_IDS: dict[type, list[int]] = {}

# A report file's content (JUnit XML, LCOV, ...) is beyond what a schema can say: a well-formed upload whose
# files do not parse is refused with 400 or 422, as docs/report-format.md says, and that is no failure.
CONTENT_REFUSED = ["2xx", "400", "401", "403", "413", "422"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {
                "include-path": list(AGENT_OPERATIONS),
                "checks": {"positive_data_acceptance": {"expected-statuses": CONTENT_REFUSED}},
                "generation": {"max-examples": UPLOAD_EXAMPLES},
                "phases": {"coverage": {"enabled": False}},
            }
        ],
        "generation": {"max-examples": MAX_EXAMPLES},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)


@schema.auth(refresh_interval=None)
class Tokens:
    """The owner's read-write API token; the project's agent token for the two upload operations."""

    def get(self, case, context) -> str:
        return TOKENS["agent"] if case.operation.path in AGENT_OPERATIONS else TOKENS["api"]

    def set(self, case, token: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict) -> st.SearchStrategy:
    """Half the time a valid id is swapped for one of a seeded row, so that not every answer is a 404.
    Invalid ones (negative, not whole) are left as generated: they test that bad input is refused."""
    known = KNOWN_IDS.get(ROWS.get(context.operation.path.split("/")[3]), [])
    drawn = {}
    for name, value in (path_parameters or {}).items():
        valid = type(value) is int and value >= 0
        drawn[name] = st.sampled_from(known) | st.just(value) if known and valid else st.just(value)
    return st.fixed_dictionaries(drawn)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Demo data posted through the real ingest API, once for the module, rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", *SEED_DAYS, stdout=io.StringIO(), stderr=io.StringIO())
        project = Project.objects.order_by("id").first()
        owner = project.memberships.get(role="owner").user
        ApiToken.objects.create(user=owner, read_only=False, lookup_id="fuzzuser0001", digest=digest(SECRET))
        AgentToken.objects.create(project=project, lookup_id="fuzzagent001", digest=digest(SECRET))
        for model in ROWS.values():
            rows = (
                model.objects.filter(pk=project.pk)
                if model is Project
                else model.objects.filter(project=project)
            )
            KNOWN_IDS[model] = list(rows.order_by("id").values_list("id", flat=True)[:5])
        yield
        KNOWN_IDS.clear()
        transaction.set_rollback(True)


@pytest.fixture
def in_one_transaction(seeded, db):
    """The WSGI handler closes the database connection after each request, as in production; in a test
    that would end the transaction the test runs in, so (like Django's test client) that is switched off."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_api_description(case, in_one_transaction):
    keep_expiry_in_the_future(case)
    case.call_and_validate()


def keep_expiry_in_the_future(case) -> None:
    """A quarantine's expiry must lie in the future, which a schema cannot say: a valid one in the past is
    moved to the future, so that the check that valid requests are accepted tests everything else."""
    body = case.body
    if case.operation.path != "/api/v1/quarantine" or not isinstance(body, dict):
        return
    try:
        expires = datetime.fromisoformat(str(body.get("expires_at")))
    except ValueError:
        return
    if expires.tzinfo is not None and expires <= datetime.now(UTC):
        case.body = {**body, "expires_at": "2999-01-01T00:00:00Z"}
