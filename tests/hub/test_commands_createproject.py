"""``manage.py createproject``: a project, its owner and a first agent token; only the token on stdout."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from hub.projects.models import AgentToken, Membership, Project

pytestmark = pytest.mark.django_db


def createproject(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("createproject", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_creates_the_project_with_its_settings():
    createproject("acme/widgets", "--provider", "gitlab", "--default-branch", "trunk")

    project = Project.objects.get(full_name="acme/widgets")
    assert (project.provider, project.default_branch) == ("gitlab", "trunk")


def test_it_prints_only_a_working_agent_token_on_stdout():
    out, _ = createproject("acme/widgets", "--provider", "github")

    plain = out.strip()
    assert out == plain + "\n"
    assert AgentToken.authenticate(plain).project.full_name == "acme/widgets"


def test_it_explains_on_stderr_that_the_token_is_shown_once():
    _, err = createproject("acme/widgets", "--provider", "github")

    assert "acme/widgets" in err
    assert "shown once" in err


def test_it_makes_the_named_user_the_owner():
    user = get_user_model().objects.create_user("olivia")

    createproject("acme/widgets", "--provider", "github", "--owner", "olivia")

    assert Membership.objects.get(user=user).role == Membership.Role.OWNER


def test_it_keeps_the_server_url_of_a_self_hosted_provider():
    createproject("team/app", "--provider", "gitlab-self-managed", "--server-url", "https://git.example.com")

    assert Project.objects.get().server_url == "https://git.example.com"


def test_it_fails_clearly_when_the_project_exists():
    createproject("acme/widgets", "--provider", "github")

    with pytest.raises(CommandError, match="acme/widgets already exists"):
        createproject("acme/widgets", "--provider", "github")
    assert AgentToken.objects.count() == 1


def test_it_fails_clearly_on_a_name_without_an_owner():
    with pytest.raises(CommandError, match="full_name: Use OWNER/NAME"):
        createproject("widgets", "--provider", "github")
    assert not Project.objects.exists()


def test_it_fails_clearly_when_a_self_hosted_provider_has_no_url():
    with pytest.raises(CommandError, match="server_url"):
        createproject("team/app", "--provider", "github-enterprise")


def test_it_fails_clearly_on_an_unknown_owner_and_creates_nothing():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        createproject("acme/widgets", "--provider", "github", "--owner", "nobody")
    assert not Project.objects.exists()


def test_it_refuses_an_unknown_provider():
    with pytest.raises(CommandError, match="invalid choice"):
        createproject("acme/widgets", "--provider", "sourceforge")
