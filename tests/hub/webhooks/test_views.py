"""The webhook endpoints: who is let in, what is stored, what is answered, and how fast the view hands
over (it stores the delivery and enqueues; the task does the work)."""

from __future__ import annotations

import json
import logging

import pytest
from django_q.models import OrmQ

from hub.integrations.models import GenericAuth, Integration
from hub.projects.models import Project
from hub.runs.models import Run
from hub.webhooks.models import Delivery, DeliveryStatus
from tests.hub.webhooks.conftest import SECRET, corpus_bytes, corpus_json, hex_hmac, project_with_secret

pytestmark = pytest.mark.django_db

WORKFLOW_RUN = "github/workflow_run/completed.with-pull-requests.payload.json"


def test_a_signed_delivery_is_stored_and_enqueued_and_nothing_else_happens_in_the_view(
    sender, octo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), delivery="d-1")

    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert (delivery.provider, delivery.delivery_id, delivery.event, delivery.action) == (
        "github",
        "d-1",
        "workflow_run",
        "completed",
    )
    assert delivery.project == octo
    assert delivery.status == DeliveryStatus.RECEIVED
    assert OrmQ.objects.count() == 1  # the task is queued...
    assert not Run.objects.exists()  # ...and not run by the view


def test_the_stored_body_is_the_raw_body_compressed(sender, octo):
    raw = corpus_bytes(WORKFLOW_RUN)
    sender.github("workflow_run", raw)
    delivery = Delivery.objects.get()
    assert delivery.raw_body() == raw
    assert len(bytes(delivery.body)) < len(raw)
    assert delivery.body_size == len(raw)


def test_stored_headers_keep_no_signature(sender, octo):
    sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), delivery="d-2")
    headers = Delivery.objects.get().headers
    assert headers["X-GitHub-Delivery"] == "d-2"
    assert not any("signature" in name.lower() or "token" in name.lower() for name in headers)


def test_a_redelivery_answers_200_and_changes_nothing(sender, octo, run_tasks):
    sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), delivery="same")
    run = Run.objects.get()
    Run.objects.filter(pk=run.pk).update(workflow="edited by hand")

    response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), delivery="same")

    assert response.status_code == 200
    assert response.json()["replayed"] is True
    assert Delivery.objects.count() == 1
    assert Delivery.objects.get().attempts == 1
    assert Run.objects.get().workflow == "edited by hand"


def test_a_bad_github_signature_is_refused_with_401_and_logged_without_the_body(sender, octo, caplog):
    payload = corpus_json(WORKFLOW_RUN)
    with caplog.at_level(logging.WARNING, logger="hub.webhooks"):
        response = sender.github("workflow_run", payload, secret="not-the-secret")

    assert response.status_code == 401
    assert "secret on GitHub differs" in response.json()["error"]["message"]
    assert not Delivery.objects.exists()
    assert "rejected" in caplog.text
    assert payload["workflow_run"]["head_sha"] not in caplog.text
    assert "display_title" not in caplog.text


def test_a_github_delivery_without_a_signature_is_refused(sender, octo):
    response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), HTTP_X_HUB_SIGNATURE_256="")
    assert response.status_code == 401
    assert "give the webhook a secret" in response.json()["error"]["message"]


def test_a_repository_without_a_secret_anywhere_is_refused(sender, db, settings):
    settings.GITHUB_WEBHOOK_SECRET = None
    response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN))
    assert response.status_code == 401
    assert "GITHUB_WEBHOOK_SECRET" in response.json()["error"]["message"]


def test_the_hub_wide_secret_covers_projects_without_their_own(sender, db, settings):
    settings.GITHUB_WEBHOOK_SECRET = "org-wide"
    project = Project.objects.create(full_name="octo-org/octo-repo", provider="github")
    response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), secret="org-wide")
    assert response.status_code == 202
    assert Delivery.objects.get().project == project


def test_a_projects_own_secret_replaces_the_hub_wide_one(sender, octo, settings):
    settings.GITHUB_WEBHOOK_SECRET = "org-wide"
    response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN), secret="org-wide")
    assert response.status_code == 401


def test_an_organisation_ping_is_verified_with_the_hub_wide_secret(sender, db, settings, run_tasks):
    settings.GITHUB_WEBHOOK_SECRET = "org-wide"
    response = sender.github(
        "ping", corpus_bytes("github/ping/with-organization.payload.json"), secret="org-wide"
    )
    assert response.status_code == 202
    assert Delivery.objects.get().status == DeliveryStatus.PROCESSED


def test_a_form_encoded_github_delivery_asks_for_json(sender, octo):
    response = sender.github("ping", b"payload=%7B%7D", CONTENT_TYPE="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "application/json" in response.json()["error"]["message"]


def test_an_event_the_hub_does_not_use_is_stored_as_ignored_and_not_enqueued(
    sender, hello_world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = sender.github("check_run", corpus_bytes("github/check_run/completed.payload.json"))
    assert response.status_code == 202
    assert Delivery.objects.get().status == DeliveryStatus.IGNORED
    assert not OrmQ.objects.exists()


def test_a_body_over_the_limit_gets_413(sender, octo, settings):
    settings.WEBHOOK_MAX_BYTES = 1024
    response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN))
    assert response.status_code == 413
    assert "WEBHOOK_MAX_BYTES" in response.json()["error"]["message"]
    assert not Delivery.objects.exists()


def test_a_body_that_is_not_json_gets_400(sender, octo, settings):
    settings.GITHUB_WEBHOOK_SECRET = SECRET
    response = sender.github("push", b"not json")
    assert response.status_code == 400


def test_webhooks_take_only_post(client):
    assert client.get("/webhooks/github").status_code == 405


def test_a_bad_gitlab_token_is_refused_with_401_and_neither_token_is_logged(sender, db, caplog):
    project_with_secret("gitlab-org/gitlab-test", "gitlab")
    with caplog.at_level(logging.DEBUG):
        response = sender.gitlab(
            "Pipeline Hook", corpus_bytes("gitlab/go-gitlab/pipeline.json"), token="wrong-token-value"
        )
    assert response.status_code == 401
    assert not Delivery.objects.exists()
    assert "rejected" in caplog.text
    assert "wrong-token-value" not in caplog.text
    assert SECRET not in caplog.text


def test_a_gitlab_redelivery_with_the_same_idempotency_key_answers_200(sender, db):
    project_with_secret("gitlab-org/gitlab-test", "gitlab")
    body = corpus_bytes("gitlab/go-gitlab/pipeline.json")
    assert sender.gitlab("Pipeline Hook", body, key="k-1").status_code == 202
    assert sender.gitlab("Pipeline Hook", body, key="k-1").status_code == 200
    assert Delivery.objects.count() == 1


def test_a_bad_circleci_signature_is_refused_with_401(sender, db):
    project_with_secret("zulip-testing/circleci-webhook-test", "circleci")
    response = sender.circleci(corpus_json("circleci/zulip/github_job_completed.json"), secret="wrong")
    assert response.status_code == 401


def test_a_circleci_redelivery_of_the_same_event_id_answers_200(sender, db):
    project_with_secret("zulip-testing/circleci-webhook-test", "circleci")
    body = corpus_bytes("circleci/zulip/github_job_completed.json")
    assert sender.circleci(body).status_code == 202
    assert sender.circleci(body).status_code == 200
    assert Delivery.objects.get().delivery_id == "e7346c18-44cb-331d-9d45-698a38edb2e0"


@pytest.fixture
def generic_project(project) -> Integration:
    integration = Integration(project=project, generic_auth=GenericAuth.BEARER)
    integration.set_secret("generic_secret", "generic-token")
    integration.save()
    return integration


def test_the_generic_endpoint_takes_the_projects_bearer_secret(sender, generic_project):
    response = sender.generic("acme/widgets", {"run": {"id": "7"}}, HTTP_AUTHORIZATION="Bearer generic-token")
    assert response.status_code == 202


def test_the_generic_endpoint_refuses_a_wrong_bearer_secret(sender, generic_project):
    response = sender.generic("acme/widgets", {"run": {"id": "7"}}, HTTP_AUTHORIZATION="Bearer nope")
    assert response.status_code == 401


def test_the_generic_endpoint_answers_an_unknown_project_as_a_wrong_secret(sender, generic_project):
    unknown = sender.generic("acme/nothing", {"run": {"id": "7"}}, HTTP_AUTHORIZATION="Bearer generic-token")
    wrong = sender.generic("acme/widgets", {"run": {"id": "7"}}, HTTP_AUTHORIZATION="Bearer nope")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json()["error"]["message"].replace("acme/nothing", "X") == wrong.json()["error"][
        "message"
    ].replace("acme/widgets", "X")


def test_the_generic_endpoint_accepts_an_hmac_in_the_configured_header(sender, generic_project):
    generic_project.generic_auth = GenericAuth.HMAC
    generic_project.generic_signature_header = "X-Ci-Signature"
    generic_project.save()
    body = json.dumps({"run": {"id": "8"}}).encode()
    ok = sender.generic("acme/widgets", body, HTTP_X_CI_SIGNATURE="sha256=" + hex_hmac("generic-token", body))
    bad = sender.generic("acme/widgets", body, HTTP_X_CI_SIGNATURE=hex_hmac("other", body))
    assert (ok.status_code, bad.status_code) == (202, 401)


def test_the_generic_endpoint_finds_a_project_by_id(sender, generic_project):
    project_id = generic_project.project_id
    response = sender.generic(
        str(project_id), {"run": {"id": "9"}}, HTTP_AUTHORIZATION="Bearer generic-token"
    )
    assert response.status_code == 202


def test_a_secret_the_hub_cannot_decrypt_answers_500_naming_the_log(sender, octo, settings, caplog):
    settings.ORCHESTRATE_ENCRYPTION_KEYS = ["a-key-that-did-not-encrypt-it"]
    with caplog.at_level(logging.ERROR, logger="hub.webhooks"):
        response = sender.github("workflow_run", corpus_bytes(WORKFLOW_RUN))
    assert response.status_code == 500
    assert "reencrypt_secrets" in caplog.text
    assert not Delivery.objects.exists()


def test_a_url_pasted_with_a_trailing_slash_works(sender, octo):
    response = sender.post(
        "/webhooks/github/",
        corpus_bytes(WORKFLOW_RUN),
        HTTP_X_GITHUB_EVENT="workflow_run",
        HTTP_X_HUB_SIGNATURE_256="sha256=" + hex_hmac(SECRET, corpus_bytes(WORKFLOW_RUN)),
    )
    assert response.status_code == 202
