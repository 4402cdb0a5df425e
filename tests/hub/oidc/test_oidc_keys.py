"""The issuers' signing keys: fetched from the discovery document, cached, refreshed once when a token
names a key id the cache lacks (key rotation), and never fetched more than once per interval however many
unknown key ids arrive."""

from __future__ import annotations

import pytest

from hub.runs.models import Run
from tests.hub.conftest import Agent, case, report
from tests.hub.oidc.conftest import GITHUB, github_claims

pytestmark = pytest.mark.django_db


def upload(token: str, run_id: str = "1001"):
    return Agent(token).post_report(report(case("t"), run_id=run_id))


def test_keys_are_fetched_once_and_cached_across_uploads(project, github_issuer):
    for run_id in ("1", "2", "3"):
        assert upload(github_issuer.sign(github_claims(run_id=run_id)), run_id).status_code == 201
    assert (github_issuer.discovery.call_count, github_issuer.fetches) == (1, 1)
    assert Run.objects.count() == 3


def test_a_rotated_key_is_picked_up_with_one_refresh(project, github_issuer, settings):
    settings.OIDC_JWKS_MIN_REFRESH = 0  # the last fetch is long enough ago
    assert upload(github_issuer.sign(github_claims(run_id="1")), "1").status_code == 201
    github_issuer.add_key("github-key-2")
    response = upload(github_issuer.sign(github_claims(run_id="2"), kid="github-key-2"), "2")
    assert response.status_code == 201, response.json()
    assert github_issuer.fetches == 2


def test_unknown_key_ids_within_the_refresh_interval_do_not_reach_the_issuer(project, github_issuer):
    assert upload(github_issuer.sign(github_claims(run_id="1")), "1").status_code == 201
    github_issuer.add_key("made-up", publish=False)
    for _ in range(5):
        response = upload(github_issuer.sign(github_claims(run_id="1"), kid="made-up"), "1")
        assert (response.status_code, response.json()["error"]["code"]) == (401, "oidc_unknown_key")
    assert github_issuer.fetches == 1


def test_a_key_id_the_issuer_does_not_publish_is_refused_after_the_refresh(project, github_issuer):
    github_issuer.add_key("unpublished", publish=False)
    response = upload(github_issuer.sign(github_claims(), kid="unpublished"))
    assert (response.status_code, response.json()["error"]["code"]) == (401, "oidc_unknown_key")
    assert "unpublished" in response.json()["error"]["message"]


def test_a_key_set_on_another_host_than_the_issuer_is_not_fetched(project, http, github_issuer):
    http.replace(
        "GET",
        GITHUB + "/.well-known/openid-configuration",
        json={"issuer": GITHUB, "jwks_uri": "https://attacker.example/jwks"},
    )
    response = upload(github_issuer.sign(github_claims()))
    assert (response.status_code, response.json()["error"]["code"]) == (503, "oidc_issuer_unavailable")
    assert github_issuer.fetches == 0


def test_a_discovery_document_naming_another_issuer_is_not_trusted(project, http, github_issuer):
    http.replace(
        "GET",
        GITHUB + "/.well-known/openid-configuration",
        json={"issuer": "https://token.example.net", "jwks_uri": github_issuer.jwks_url},
    )
    response = upload(github_issuer.sign(github_claims()))
    assert response.status_code == 503
    assert "another issuer" in response.json()["error"]["message"]
