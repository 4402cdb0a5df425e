"""``manage.py createtoken``: an API token acting as a user; only the token on stdout."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from hub.projects.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture
def olivia():
    return get_user_model().objects.create_user("olivia")


def createtoken(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("createtoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_prints_only_a_working_token_on_stdout(olivia):
    out, _ = createtoken("--user", "olivia")

    plain = out.strip()
    assert out == plain + "\n"
    assert ApiToken.authenticate(plain).user == olivia


def test_it_creates_a_read_write_token_by_default(olivia):
    createtoken("--user", "olivia")

    assert ApiToken.objects.get().read_only is False


def test_it_creates_a_read_only_token_when_asked(olivia):
    _, err = createtoken("--user", "olivia", "--read-only")

    assert ApiToken.objects.get().read_only is True
    assert "read-only" in err


def test_it_names_the_token(olivia):
    createtoken("--user", "olivia", "--name", "dashboard")

    assert ApiToken.objects.get().name == "dashboard"


def test_it_stores_no_plain_text(olivia):
    out, _ = createtoken("--user", "olivia")

    token = ApiToken.objects.get()
    secret = out.strip().split("_", 3)[3]  # orch_u_LOOKUP_SECRET; the secret itself may contain "_"
    assert secret
    assert secret not in (token.digest, token.lookup_id, token.name)


def test_it_fails_clearly_for_an_unknown_user():
    with pytest.raises(CommandError, match="No user named 'nobody'"):
        createtoken("--user", "nobody")
    assert not ApiToken.objects.exists()
