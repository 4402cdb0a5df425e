"""Bodies built to hurt: nested far too deep, or holding NUL characters where PostgreSQL text holds none.
Each gets a clear answer (a 4xx, or the delivery stored), never a 500; on both databases."""

from __future__ import annotations

import json

import pytest

from hub.webhooks.models import Delivery
from hub.webhooks.views.common import MAX_JSON_DEPTH
from tests.hub.webhooks.conftest import SECRET, corpus_json

pytestmark = pytest.mark.django_db

WORKFLOW_RUN = "github/workflow_run/completed.with-pull-requests.payload.json"
DEEP = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"  # 200 KB


@pytest.fixture
def hub_wide_secrets(settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    settings.GITLAB_WEBHOOK_TOKEN = SECRET
    settings.CIRCLECI_WEBHOOK_SECRET = SECRET


@pytest.mark.parametrize("provider", ["github", "gitlab", "circleci"])
def test_a_body_nested_100_000_deep_is_refused_with_400_naming_the_limit(sender, hub_wide_secrets, provider):
    post = {
        "github": lambda: sender.github("workflow_run", DEEP),
        "gitlab": lambda: sender.gitlab("Pipeline Hook", DEEP),
        "circleci": lambda: sender.post("/webhooks/circleci", DEEP, HTTP_CIRCLECI_SIGNATURE="v1=" + "0" * 64),
    }[provider]

    response = post()

    assert response.status_code == 400
    assert f"deeper than {MAX_JSON_DEPTH} levels" in response.json()["error"]["message"]
    assert not Delivery.objects.exists()


def test_an_unsigned_deep_body_is_refused_without_being_parsed(sender):
    response = sender.post("/webhooks/github", DEEP, HTTP_X_GITHUB_EVENT="push")

    assert response.status_code == 401


def test_nesting_just_within_the_limit_is_accepted(sender, hub_wide_secrets):
    payload = {"zen": "x"}
    for _ in range(MAX_JSON_DEPTH - 1):
        payload = {"nested": payload}

    assert sender.github("ping", payload).status_code == 202


def test_nesting_one_past_the_limit_is_refused(sender, hub_wide_secrets):
    payload: dict = {"zen": "x"}
    for _ in range(MAX_JSON_DEPTH):
        payload = {"nested": payload}

    assert sender.github("ping", payload).status_code == 400


def test_a_repository_name_with_a_nul_character_names_no_project(sender, octo, hub_wide_secrets):
    payload = corpus_json(WORKFLOW_RUN)
    payload["repository"]["full_name"] = "octo-org/octo-repo\x00"

    response = sender.github("workflow_run", payload)

    assert response.status_code == 202  # signed with the hub-wide secret, which covers unknown repositories
    assert Delivery.objects.get().project is None


def test_nul_characters_in_stored_fields_are_taken_out_and_the_body_kept(sender, octo):
    payload = corpus_json(WORKFLOW_RUN)
    payload["action"] = "comp\x00leted"
    body = json.dumps(payload).encode()

    response = sender.github("workflow_run", body, delivery="d\x00-1")

    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert (delivery.delivery_id, delivery.action) == ("d-1", "completed")
    assert delivery.raw_body() == body


def test_a_generic_project_reference_with_a_nul_character_is_refused_like_an_unknown_one(sender, db):
    response = sender.generic("acme%00/widgets", {"status": "success"}, HTTP_AUTHORIZATION="Bearer x")

    assert response.status_code == 401
