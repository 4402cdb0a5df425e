"""``GET /api/v1/runs/{id}/context`` and the artifact downloads it links to: members and the project's own
agent token read them, anyone else gets 404; JSON or Markdown, within the documented budget."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from rest_framework.test import APIClient

from hub.failures import context_budget as budget
from hub.projects.models import AgentToken
from tests.hub.conftest import case
from tests.hub.failures.conftest import BROKEN

pytestmark = pytest.mark.django_db


@pytest.fixture
def run(land):
    return land(BROKEN, case("test_ok")).run


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("persona", ["owner", "teammate"])
def test_members_read_a_runs_context(run, client_for, request, persona):
    response = client_for(request.getfixturevalue(persona)).get(f"/api/v1/runs/{run.pk}/context")

    assert response.status_code == 200
    body = response.json()
    assert body["run"]["project"] == "acme/widgets"
    assert [f["test"]["name"] for f in body["failures"]] == ["test_checkout"]
    assert body["limits"]["bytes"] == budget.MAX_BYTES


def test_an_outsider_gets_404_as_if_the_run_did_not_exist(run, client_for, outsider):
    response = client_for(outsider).get(f"/api/v1/runs/{run.pk}/context")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_anonymous_request_is_refused(run):
    assert APIClient().get(f"/api/v1/runs/{run.pk}/context").status_code == 401


def test_the_projects_agent_token_reads_its_own_runs_context(run, agent_token):
    assert bearer(agent_token).get(f"/api/v1/runs/{run.pk}/context").status_code == 200


def test_another_projects_agent_token_gets_404(run, other_project):
    _, plain = AgentToken.issue(project=other_project, name="ci")

    assert bearer(plain).get(f"/api/v1/runs/{run.pk}/context").status_code == 404


@pytest.mark.parametrize("how", [{"HTTP_ACCEPT": "text/markdown"}, {"QUERY_STRING": "format=md"}])
def test_it_answers_markdown_when_asked(run, client_for, owner, how):
    response = client_for(owner).get(f"/api/v1/runs/{run.pk}/context", **how)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/markdown")
    text = response.content.decode()
    assert text.startswith("# Failure context: acme/widgets run 1001")
    assert "### 1. `tests.test_widgets.test_checkout`" in text
    assert "assert 3 == 4" in text


def test_a_markdown_request_for_a_missing_run_is_one_error_line(client_for, owner):
    response = client_for(owner).get("/api/v1/runs/999999/context", HTTP_ACCEPT="text/markdown")

    assert response.status_code == 404
    assert response.content.decode() == "error: Not found.\n"


def test_the_markdown_of_a_huge_run_stays_within_budget_and_says_what_it_left_out(land, client_for, owner):
    trace = "\n".join("  at frame " + "x" * 300 for _ in range(200))
    run = land(*(case(f"test_{n}", "failed", message="boom", trace=trace) for n in range(60))).run

    response = client_for(owner).get(f"/api/v1/runs/{run.pk}/context?format=md")

    assert len(response.content) <= budget.MAX_BYTES
    assert "more failing tests not shown**" in response.content.decode()


def test_members_download_an_artifact_the_context_links(run, client_for, owner, outsider):
    artifact = run.artifacts.create(
        project=run.project, name="logs/build.log", size=5, sha256="0" * 64, file=ContentFile(b"hello", "b")
    )
    [listed] = client_for(owner).get(f"/api/v1/runs/{run.pk}/context").json()["artifacts"]

    assert listed["url"] == f"http://testserver/api/v1/artifacts/{artifact.pk}/download"
    download = client_for(owner).get(listed["url"])
    assert (download.status_code, b"".join(download.streaming_content)) == (200, b"hello")
    assert 'filename="build.log"' in download["Content-Disposition"]
    assert client_for(outsider).get(listed["url"]).status_code == 404


def test_the_schema_describes_the_context_as_json_and_markdown(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    answer = schema["paths"]["/api/v1/runs/{run_id}/context"]["get"]["responses"]["200"]["content"]
    assert set(answer) == {"application/json", "text/markdown"}
    assert answer["application/json"]["schema"]["$ref"].endswith("/RunContext")
