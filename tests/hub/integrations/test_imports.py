"""Projects from providers: an organisation's repositories listed, chosen ones made projects with their
webhook secret, URL and events, their webhooks created and pinged through the API, and importing again
changing nothing. GitHub and GitLab are faked at the HTTP boundary: repositories from the corpus's real
repository object, hooks in the shape GitHub's and GitLab's hook APIs document, kept by a small fake so a
second import sees what the first created."""

from __future__ import annotations

import copy
import json
import re
from urllib.parse import urlsplit

import pytest
import responses
from django.core.management import call_command
from django.core.management.base import CommandError

from hub.integrations import imports
from hub.integrations.models import Integration
from hub.projects.models import AgentToken, Project
from tests.hub.operations.conftest import GITHUB, corpus_api

pytestmark = pytest.mark.django_db

TOKEN = "ghp_import-token-for-tests"
GITLAB = "https://gitlab.com/api/v4"
HUB = "https://hub.example.com"


def github_repository(full_name: str, **changes) -> dict:
    """The corpus's repository object (a pull request's base repository), renamed ``full_name``."""
    repo = copy.deepcopy(corpus_api("github/examples/pulls__get.200.default.json")["base"]["repo"])
    owner, name = full_name.split("/")
    repo.update(full_name=full_name, name=name, html_url=f"https://github.com/{full_name}", **changes)
    repo["owner"]["login"] = owner
    return repo


class FakeHooks:
    """A repository host's hooks: listed, created (201 with the hook) and pinged (204), per repository."""

    def __init__(self, mock: responses.RequestsMock, base: str, shape) -> None:
        self.hooks: dict[str, list[dict]] = {}
        self.created: list[dict] = []
        self.pings: list[str] = []
        self.shape = shape
        self.refusal: tuple[int, dict] | None = None  # what creating a hook answers instead, when set
        mock.add_callback("GET", base, callback=self.list)
        mock.add_callback("POST", base, callback=self.create)

    def list(self, request):
        return 200, {}, json.dumps(self.hooks.get(self.repo(request), []))

    def create(self, request):
        if "/test/" in request.url or request.url.endswith("/pings"):
            self.pings.append(request.url)
            return 204, {}, ""
        if self.refusal is not None:
            return self.refusal[0], {}, json.dumps(self.refusal[1])
        body = json.loads(request.body)
        hook = self.shape(len(self.created) + 12345678, body)
        self.created.append(body)
        self.hooks.setdefault(self.repo(request), []).append(hook)
        return 201, {}, json.dumps(hook)

    @staticmethod
    def repo(request) -> str:
        return urlsplit(request.url).path.split("/hooks")[0]


def github_hook(hook_id: int, body: dict) -> dict:
    return {
        "type": "Repository", "id": hook_id, "name": "web", "active": body["active"],
        "events": body["events"],
        "config": {k: v for k, v in body["config"].items() if k != "secret"},
        "url": f"{GITHUB}/repos/o/r/hooks/{hook_id}", "ping_url": f"{GITHUB}/repos/o/r/hooks/{hook_id}/pings",
        "last_response": {"code": None, "status": "unused", "message": None},
    }  # fmt: skip


def gitlab_hook(hook_id: int, body: dict) -> dict:
    return {"id": hook_id, "url": body["url"], "project_id": 3, "enable_ssl_verification": True,
            **{k: v for k, v in body.items() if k.endswith("_events")}}  # fmt: skip


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def acme(api, settings):
    """The acme organisation on GitHub: widgets, gadgets, and an archived relic."""
    settings.SITE_URL = HUB
    repos = [
        github_repository("acme/widgets", default_branch="main"),
        github_repository("acme/gadgets", default_branch="trunk", private=True),
        github_repository("acme/relic", archived=True),
    ]
    api.get(f"{GITHUB}/orgs/acme/repos", json=repos)
    return FakeHooks(api, re.compile(rf"{GITHUB}/repos/acme/\w+/hooks.*"), github_hook)


SOURCE = imports.Source(provider="github", owner="acme", token=TOKEN)


def test_an_organisations_repositories_are_listed_without_the_archived_ones(acme):
    assert [(r.full_name, r.default_branch) for r in imports.repositories(SOURCE)] == [
        ("acme/widgets", "main"),
        ("acme/gadgets", "trunk"),
    ]


def test_chosen_repositories_become_projects_with_a_webhook_secret_url_and_events(acme):
    (result,) = imports.import_projects(SOURCE, ["acme/gadgets"])

    project = Project.objects.get()
    assert (project.full_name, project.provider, project.default_branch) == (
        "acme/gadgets",
        "github",
        "trunk",
    )
    integration = Integration.objects.get(project=project)
    assert integration.secret("webhook_secret") == result.webhook_secret
    assert len(result.webhook_secret) >= 40
    assert integration.secret("api_token") == TOKEN
    assert result.webhook_url == f"{HUB}/webhooks/github"
    assert result.events == ("workflow_run", "workflow_job", "check_suite", "pull_request", "push")
    assert AgentToken.authenticate(result.agent_token).project == project
    assert (result.created, result.webhook, acme.created) == (True, "not requested", [])


def test_webhooks_are_created_with_the_projects_secret_and_pinged(acme):
    results = imports.import_projects(SOURCE, [], create_webhooks=True)

    assert [(r.full_name, r.webhook, r.pinged, r.error) for r in results] == [
        ("acme/widgets", "created", True, ""),
        ("acme/gadgets", "created", True, ""),
    ]
    secrets = {p.full_name: p.integration.secret("webhook_secret") for p in Project.objects.all()}
    assert [hook["config"]["secret"] for hook in acme.created] == [
        secrets["acme/widgets"],
        secrets["acme/gadgets"],
    ]
    assert acme.created[0]["config"]["url"] == f"{HUB}/webhooks/github"
    assert acme.created[0]["events"] == list(imports.EVENTS["github"])
    assert acme.pings == [
        f"{GITHUB}/repos/acme/widgets/hooks/12345678/pings",
        f"{GITHUB}/repos/acme/gadgets/hooks/12345679/pings",
    ]
    assert all(r.webhook_secret == "" for r in results)  # the provider holds it; nothing to paste


def test_importing_again_makes_no_second_project_secret_or_webhook(acme):
    first = imports.import_projects(SOURCE, [], create_webhooks=True)
    secrets = [p.integration.secret("webhook_secret") for p in Project.objects.order_by("pk")]

    again = imports.import_projects(SOURCE, [], create_webhooks=True)

    assert Project.objects.count() == 2
    assert AgentToken.objects.count() == 2
    assert [p.integration.secret("webhook_secret") for p in Project.objects.order_by("pk")] == secrets
    assert len(acme.created) == 2
    assert len(acme.pings) == 2
    assert [(r.created, r.webhook, r.hook_id, r.agent_token) for r in again] == [
        (False, "exists", first[0].hook_id, ""),
        (False, "exists", first[1].hook_id, ""),
    ]


def test_a_name_the_account_does_not_list_is_reported_and_not_imported(acme):
    (result,) = imports.import_projects(SOURCE, ["acme/secret-lab"])

    assert result.error == "acme has no repository 'acme/secret-lab' that this token can see"
    assert not Project.objects.exists()


def test_a_project_of_that_name_on_another_provider_is_not_taken_over(acme):
    Project.objects.create(full_name="acme/widgets", provider="gitlab")

    (result,) = imports.import_projects(SOURCE, ["acme/widgets"])

    assert result.error == "acme/widgets is already a project on GitLab.com"


def test_a_refused_hook_creation_is_reported_with_the_project_kept(acme):
    acme.refusal = (403, {"message": "Must have admin rights to Repository."})

    (result,) = imports.import_projects(SOURCE, ["acme/widgets"], create_webhooks=True)

    assert result.webhook == "failed"
    assert "Must have admin rights" in result.error
    assert result.webhook_secret  # still shown, to set the hook up by hand
    assert Project.objects.filter(full_name="acme/widgets").exists()


def test_a_user_account_is_listed_when_it_is_not_an_organisation(api, settings):
    api.get(f"{GITHUB}/orgs/octocat/repos", status=404, json={"message": "Not Found"})
    api.get(f"{GITHUB}/users/octocat/repos", json=[github_repository("octocat/Hello-World")])

    repos = imports.repositories(imports.Source(provider="github", owner="octocat", token=TOKEN))

    assert [r.full_name for r in repos] == ["octocat/Hello-World"]


def test_a_gitlab_groups_projects_are_imported_with_their_hooks_created_and_tested(api, settings):
    settings.SITE_URL = HUB
    project = {
        "id": 3, "name": "widgets", "path_with_namespace": "acme/tools/widgets", "default_branch": "main",
        "visibility": "private", "web_url": "https://gitlab.com/acme/tools/widgets", "archived": False,
    }  # fmt: skip
    api.get(f"{GITLAB}/groups/acme/projects", json=[project])
    hooks = FakeHooks(api, re.compile(rf"{GITLAB}/projects/acme%2Ftools%2Fwidgets/hooks.*"), gitlab_hook)
    source = imports.Source(provider="gitlab", owner="acme", token="glpat-import")

    (result,) = imports.import_projects(source, [], create_webhooks=True)

    assert (result.full_name, result.webhook, result.pinged, result.error) == (
        "acme/tools/widgets",
        "created",
        True,
        "",
    )
    (created,) = hooks.created
    assert created["url"] == f"{HUB}/webhooks/gitlab"
    assert created["token"] == Project.objects.get().integration.secret("webhook_secret")
    assert {k for k, v in created.items() if k.endswith("_events") and v} == set(imports.EVENTS["gitlab"])
    assert hooks.pings == [f"{GITLAB}/projects/acme%2Ftools%2Fwidgets/hooks/12345678/test/push_events"]


def test_the_command_lists_the_repositories(acme, monkeypatch, capsys):
    monkeypatch.setenv("IMPORT_TOKEN", TOKEN)

    call_command("importprojects", "--provider", "github", "--owner", "acme", "--list")

    assert capsys.readouterr().out.splitlines() == [
        "acme/widgets  main  public",
        "acme/gadgets  trunk  private",
    ]


def test_the_command_imports_and_shows_what_to_paste_once(acme, monkeypatch, capsys):
    monkeypatch.setenv("IMPORT_TOKEN", TOKEN)

    call_command("importprojects", "acme/widgets", "--provider", "github", "--owner", "acme")

    out = capsys.readouterr().out
    secret = Project.objects.get().integration.secret("webhook_secret")
    assert f"webhook secret (shown once; the webhook's secret): {secret}" in out
    assert f"webhook URL: {HUB}/webhooks/github" in out
    assert "events: workflow_run, workflow_job, check_suite, pull_request, push" in out


def test_the_command_needs_a_token_and_says_where_to_put_it(acme, monkeypatch):
    monkeypatch.delenv("IMPORT_TOKEN", raising=False)

    with pytest.raises(CommandError, match="set IMPORT_TOKEN"):
        call_command("importprojects", "--provider", "github", "--owner", "acme", "--all")


def test_the_command_needs_names_or_all(acme, monkeypatch):
    monkeypatch.setenv("IMPORT_TOKEN", TOKEN)

    with pytest.raises(CommandError, match="or pass --all"):
        call_command("importprojects", "--provider", "github", "--owner", "acme")
