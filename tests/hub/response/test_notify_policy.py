"""The Slack webhook URL in the policy is a secret: the API and the admin show it masked, and a masked
value sent back keeps the stored URL while a new URL replaces it."""

from __future__ import annotations

import json

import pytest

from hub.response.models import Policy
from hub.response.policy import store
from tests.hub.response.test_api_response import policy_url, put

pytestmark = pytest.mark.django_db

WEBHOOK = "https://hooks.slack.com/services/T000/B000/s3cr3tT0k3n"
MASKED = "https://hooks.slack.com/.../****"


@pytest.fixture
def with_webhook(project):
    store.save(project, {"notify": {"slack_webhook_url": WEBHOOK, "emails": ["dev@example.com"]}})
    return project


def test_the_api_shows_the_webhook_url_masked(with_webhook, teammate, client_for):
    body = client_for(teammate).get(policy_url(with_webhook)).json()

    assert body["document"]["notify"]["slack_webhook_url"] == MASKED
    assert body["effective"]["notify"]["slack_webhook_url"] == MASKED
    assert "s3cr3tT0k3n" not in json.dumps(body)


def test_sending_the_masked_url_back_keeps_the_stored_one(with_webhook, owner, client_for):
    shown = client_for(owner).get(policy_url(with_webhook)).json()["document"]
    shown["notify"]["emails"] = ["lead@example.com"]

    response = put(client_for(owner, read_only=False), with_webhook, json.dumps(shown))

    assert response.status_code == 200, response.content
    assert Policy.objects.get().document["notify"] == {
        "slack_webhook_url": WEBHOOK,
        "emails": ["lead@example.com"],
    }


def test_a_new_webhook_url_replaces_the_stored_one(with_webhook, owner, client_for):
    new = "https://hooks.slack.com/services/T111/B111/other"

    put(client_for(owner, read_only=False), with_webhook, json.dumps({"notify": {"slack_webhook_url": new}}))

    assert store.effective(with_webhook)["notify"]["slack_webhook_url"] == new


def test_the_admin_editor_shows_the_webhook_url_masked_and_saving_keeps_it(admin_client, with_webhook):
    policy = Policy.objects.get()
    page = admin_client.get(f"/admin/response/policy/{policy.pk}/change/").content.decode()
    assert "s3cr3tT0k3n" not in page
    assert MASKED in page

    text = f"notify:\n  slack_webhook_url: {MASKED}\n  pull_request_comment: true\n"
    response = admin_client.post(f"/admin/response/policy/{policy.pk}/change/", {"text": text})

    assert response.status_code == 302
    assert Policy.objects.get().document["notify"]["slack_webhook_url"] == WEBHOOK
