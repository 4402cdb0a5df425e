"""Uploading with a CI's OIDC token instead of an agent token: what is accepted, and each check that refuses.

Every refusal is a 401 whose code and message name the failed check, never echoing the token; a token
that is fine but names another run than the report is a 403. Nothing is written by a refused upload.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.files.uploadedfile import SimpleUploadedFile

from hub.projects.models import Project
from hub.runs.models import Artifact, Run
from tests.hub.conftest import Agent, case, report
from tests.hub.oidc.conftest import (
    AUDIENCE,
    CIRCLE_ORG,
    CIRCLE_PROJECT,
    CIRCLE_WORKFLOW,
    GITHUB,
    FakeIssuer,
    circleci_claims,
    github_claims,
    gitlab_claims,
    rsa_key,
)

pytestmark = pytest.mark.django_db


def refused(response, code: str, status: int = 401) -> str:
    """The error message, after checking the status and the code that names the check."""
    body = response.json()
    assert (response.status_code, body["error"]["code"]) == (status, code), body
    return body["error"]["message"]


def test_a_github_token_uploads_a_report_to_the_project_of_its_repository(project, github_issuer):
    token = github_issuer.sign(github_claims(run_id="1001"))
    response = Agent(token).post_report(report(case("test_ok"), run_id="1001"))
    assert response.status_code == 201, response.json()
    run = Run.objects.get()
    assert (run.project, run.provider_run_id, run.attempt, run.tests) == (project, "1001", 1, 1)


def test_a_gitlab_token_uploads_to_the_project_of_its_project_path(other_project, gitlab_issuer):
    token = gitlab_issuer.sign(gitlab_claims(path="globex/gadgets", pipeline_id="574"))
    response = Agent(token).post_report(report(case("test_ok"), run_id="574", provider="gitlab"))
    assert response.status_code == 201, response.json()
    assert Run.objects.get().project == other_project


def test_a_circleci_v2_token_uploads_to_the_project_of_its_vcs_origin(circleci_project, circleci_issuer):
    token = circleci_issuer.sign(circleci_claims(origin="github.com/octo/gizmos"))
    response = Agent(token).post_report(report(case("test_ok"), run_id=CIRCLE_WORKFLOW, provider="circleci"))
    assert response.status_code == 201, response.json()
    assert Run.objects.get().project == circleci_project


def test_circleci_s_injected_token_whose_audience_is_the_organisation_needs_the_organisation_pinned(
    circleci_project, circleci_issuer
):
    token = circleci_issuer.sign(circleci_claims(aud=CIRCLE_ORG))
    doc = report(case("test_ok"), run_id=CIRCLE_WORKFLOW, provider="circleci")
    assert "audience" in refused(Agent(token).post_report(doc), "oidc_wrong_audience")

    circleci_project.settings = {"oidc": {"circleci_org_id": CIRCLE_ORG}}
    circleci_project.save()
    assert Agent(token).post_report(doc).status_code == 201


def test_a_circleci_token_from_another_organisation_than_the_pinned_one_is_refused(
    circleci_project, circleci_issuer
):
    circleci_project.settings = {"oidc": {"circleci_org_id": "00000000-0000-0000-0000-000000000000"}}
    circleci_project.save()
    token = circleci_issuer.sign(circleci_claims())
    doc = report(case("test_ok"), run_id=CIRCLE_WORKFLOW, provider="circleci")
    assert "organisation" in refused(Agent(token).post_report(doc), "oidc_claim_mismatch")


def test_a_circleci_project_can_be_bound_by_its_pinned_project_id(db, circleci_issuer):
    project = Project.objects.create(
        full_name="octo/renamed",
        provider="circleci",
        settings={"oidc": {"circleci_project_id": CIRCLE_PROJECT}},
    )
    token = circleci_issuer.sign(circleci_claims(origin="github.com/octo/gizmos"))
    response = Agent(token).post_report(report(case("test_ok"), run_id=CIRCLE_WORKFLOW, provider="circleci"))
    assert response.status_code == 201, response.json()
    assert Run.objects.get().project == project


def test_a_circleci_token_from_a_job_re_run_with_ssh_is_refused(circleci_project, circleci_issuer):
    token = circleci_issuer.sign(circleci_claims(**{"oidc.circleci.com/ssh-rerun": True}))
    doc = report(case("test_ok"), run_id=CIRCLE_WORKFLOW, provider="circleci")
    assert "SSH" in refused(Agent(token).post_report(doc), "oidc_ssh_rerun")


def test_a_github_enterprise_token_is_accepted_for_a_project_on_that_server(db, http):
    project = Project.objects.create(
        full_name="acme/widgets", provider="github-enterprise", server_url="https://ghe.acme.test/"
    )
    issuer = FakeIssuer(http, "https://ghe.acme.test/_services/token")
    issuer.add_key("ghes-1")
    token = issuer.sign(github_claims(iss=issuer.url))
    response = Agent(token).post_report(report(case("test_ok"), provider="github-enterprise"))
    assert response.status_code == 201, response.json()
    assert Run.objects.get().project == project


def test_a_self_managed_gitlab_token_is_accepted_for_a_project_on_that_server(db, http):
    project = Project.objects.create(
        full_name="globex/gadgets", provider="gitlab-self-managed", server_url="https://gitlab.globex.test"
    )
    issuer = FakeIssuer(http, "https://gitlab.globex.test", "/oauth/discovery/keys")
    issuer.add_key("glsm-1")
    token = issuer.sign(gitlab_claims(iss=issuer.url))
    response = Agent(token).post_report(report(case("t"), run_id="574", provider="gitlab-self-managed"))
    assert response.status_code == 201, response.json()
    assert Run.objects.get().project == project


def test_a_token_from_a_server_no_project_names_is_refused_before_any_key_is_fetched(project, http):
    issuer = FakeIssuer(http, "https://ghe.elsewhere.test/_services/token")
    issuer.add_key("k")
    token = issuer.sign(github_claims(iss=issuer.url))
    message = refused(Agent(token).post_report(report(case("t"))), "oidc_unknown_issuer")
    assert "ghe.elsewhere.test" in message
    assert (issuer.discovery.call_count, issuer.fetches) == (0, 0)


def test_an_expired_token_is_refused_and_not_echoed(project, github_issuer):
    token = github_issuer.sign(github_claims(exp=1_700_000_000, iat=1_699_999_000, nbf=1_699_999_000))
    response = Agent(token).post_report(report(case("t")))
    assert "expired" in refused(response, "oidc_expired")
    assert token not in response.content.decode()
    assert Run.objects.count() == 0


def test_a_token_whose_clock_is_slightly_ahead_is_accepted_within_the_leeway(
    project, github_issuer, settings
):
    settings.OIDC_LEEWAY = 60
    claims = github_claims()
    token = github_issuer.sign({**claims, "nbf": claims["nbf"] + 30, "iat": claims["iat"] + 30})
    assert Agent(token).post_report(report(case("t"))).status_code == 201


def test_a_token_not_valid_yet_is_refused(project, github_issuer):
    claims = github_claims()
    token = github_issuer.sign({**claims, "nbf": claims["exp"] - 10})
    assert "not valid yet" in refused(Agent(token).post_report(report(case("t"))), "oidc_not_yet_valid")


def test_a_token_for_another_audience_is_refused(project, github_issuer):
    token = github_issuer.sign(github_claims(aud="https://github.com/acme"))  # GitHub's default audience
    message = refused(Agent(token).post_report(report(case("t"))), "oidc_wrong_audience")
    assert "https://github.com/acme" in message
    assert AUDIENCE in message


def test_a_project_can_name_its_own_audiences(project, github_issuer):
    project.settings = {"oidc": {"audiences": ["orchestrate-acme"]}}
    project.save()
    assert (
        Agent(github_issuer.sign(github_claims(aud="orchestrate-acme")))
        .post_report(report(case("t")))
        .status_code
        == 201
    )
    refused(Agent(github_issuer.sign(github_claims())).post_report(report(case("t"))), "oidc_wrong_audience")


def test_the_default_audience_is_the_hub_s_site_url():
    from hub import settings as hub_settings

    assert hub_settings.OIDC_AUDIENCES == [hub_settings.SITE_URL]


def test_a_token_from_an_unknown_issuer_is_refused(project, http):
    issuer = FakeIssuer(http, "https://token.example.net")
    issuer.add_key("k")
    token = issuer.sign(github_claims(iss=issuer.url))
    assert "token.example.net" in refused(Agent(token).post_report(report(case("t"))), "oidc_unknown_issuer")


def test_a_repository_not_bound_to_any_project_is_refused(project, github_issuer):
    token = github_issuer.sign(github_claims(repository="mallory/widgets"))
    message = refused(Agent(token).post_report(report(case("t"))), "oidc_not_bound")
    assert "mallory/widgets" in message


def test_a_pinned_repository_id_must_match(project, github_issuer):
    project.settings = {"oidc": {"repository_id": "999"}}
    project.save()
    token = github_issuer.sign(github_claims())  # repository_id 74: a re-created repository of that name
    assert "repository_id" in refused(Agent(token).post_report(report(case("t"))), "oidc_claim_mismatch")


def test_a_project_that_turned_oidc_off_refuses_oidc_tokens(project, github_issuer):
    project.settings = {"oidc": {"enabled": False}}
    project.save()
    token = github_issuer.sign(github_claims())
    assert "agent token" in refused(Agent(token).post_report(report(case("t"))), "oidc_disabled")


def test_a_token_signed_by_another_key_under_the_issuer_s_key_id_is_refused(project, github_issuer):
    token = jwt.encode(github_claims(), rsa_key(), algorithm="RS256", headers={"kid": "github-key-1"})
    assert "signature" in refused(Agent(token).post_report(report(case("t"))), "oidc_bad_signature")


def test_an_unsigned_token_alg_none_is_refused(project, github_issuer):
    token = jwt.encode(github_claims(), None, algorithm="none", headers={"kid": "github-key-1"})
    assert "'none'" in refused(Agent(token).post_report(report(case("t"))), "oidc_bad_algorithm")
    assert github_issuer.fetches == 0


def test_a_token_signed_with_hs256_using_the_public_key_as_secret_is_refused(project, github_issuer):
    public_pem = (
        github_issuer.keys["github-key-1"]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    # PyJWT will not sign HS256 with a PEM key, so the attacker's token is put together by hand.
    header = {"alg": "HS256", "typ": "JWT", "kid": "github-key-1"}
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(github_claims()).encode())}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = f"{signing_input}.{b64(signature)}"
    assert "'HS256'" in refused(Agent(token).post_report(report(case("t"))), "oidc_bad_algorithm")


def test_a_token_without_an_expiry_is_refused(project, github_issuer):
    claims = github_claims()
    del claims["exp"]
    assert "exp" in refused(
        Agent(github_issuer.sign(claims)).post_report(report(case("t"))), "oidc_missing_claim"
    )


def test_a_value_that_is_not_a_jwt_still_goes_to_the_agent_token_check(project, github_issuer):
    response = Agent("not-a-token").post_report(report(case("t")))
    assert response.status_code == 401
    assert "OIDC" in response.json()["error"]["message"]


def test_a_report_for_another_run_than_the_token_s_is_refused_with_403(project, github_issuer):
    token = github_issuer.sign(github_claims(run_id="1001"))
    message = refused(Agent(token).post_report(report(case("t"), run_id="2002")), "oidc_run_mismatch", 403)
    assert "2002" in message
    assert "1001" in message
    assert Run.objects.count() == 0


def test_a_token_cannot_replay_another_run_s_upload_by_its_idempotency_key(project, github_issuer):
    first = github_issuer.sign(github_claims(run_id="1001"))
    assert Agent(first).post_report(report(case("t"), run_id="1001"), key="k-1").status_code == 201
    other = github_issuer.sign(github_claims(run_id="2002"))
    response = Agent(other).post_report(report(case("t"), run_id="2002"), key="k-1")
    refused(response, "oidc_run_mismatch", 403)


def test_a_report_for_another_attempt_than_the_token_s_is_refused_with_403(project, github_issuer):
    token = github_issuer.sign(github_claims(run_id="1001", attempt="2"))
    refused(Agent(token).post_report(report(case("t"), run_id="1001", attempt=1)), "oidc_run_mismatch", 403)
    assert Agent(token).post_report(report(case("t"), run_id="1001", attempt=2)).status_code == 201


def test_a_report_naming_another_provider_than_the_token_s_is_refused_with_403(project, github_issuer):
    token = github_issuer.sign(github_claims(run_id="1001"))
    doc = report(case("t"), run_id="1001", provider="gitlab")
    assert "provider" in refused(Agent(token).post_report(doc), "oidc_run_mismatch", 403)


def test_a_multipart_upload_is_bound_to_the_token_s_run_too(project, github_issuer):
    token = github_issuer.sign(github_claims(run_id="1001"))
    junit = b'<testsuite name="s"><testcase classname="c" name="t"/></testsuite>'
    fields = {"run_id": "2002", "commit_sha": "a" * 40, "junit": SimpleUploadedFile("r.xml", junit)}
    refused(Agent(token).post_multipart(fields), "oidc_run_mismatch", 403)
    fields = {"run_id": "1001", "commit_sha": "a" * 40, "junit": SimpleUploadedFile("r.xml", junit)}
    assert Agent(token).post_multipart(fields).status_code == 201


def test_an_artifact_upload_is_bound_to_the_token_s_run(project, github_issuer):
    token = github_issuer.sign(github_claims(run_id="1001"))
    agent = Agent(token)

    def post(run_id: str):
        data = {
            "run_id": run_id,
            "sha256": hashlib.sha256(b"log\n").hexdigest(),
            "file": SimpleUploadedFile("build.log", b"log\n"),
        }
        return agent.client.post("/api/v1/artifacts", data, format="multipart", **agent.headers())

    refused(post("2002"), "oidc_run_mismatch", 403)
    assert post("1001").status_code == 201
    assert Artifact.objects.get().run.provider_run_id == "1001"


def test_an_issuer_whose_keys_cannot_be_fetched_answers_503_so_the_agent_retries(project, http):
    http.get(GITHUB + "/.well-known/openid-configuration", status=502)
    token = jwt.encode(github_claims(), rsa_key(), algorithm="RS256", headers={"kid": "k"})
    message = refused(Agent(token).post_report(report(case("t"))), "oidc_issuer_unavailable", 503)
    assert "502" in message


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_pinned_gitlab_project_id_must_match(other_project, gitlab_issuer):
    other_project.settings = {"oidc": {"project_id": "21"}}
    other_project.save()
    token = gitlab_issuer.sign(gitlab_claims())  # project_id 20
    doc = report(case("t"), run_id="574", provider="gitlab")
    assert "project_id" in refused(Agent(token).post_report(doc), "oidc_claim_mismatch")


def test_a_circleci_vcs_origin_on_another_host_than_the_project_s_is_refused(
    circleci_project, circleci_issuer
):
    token = circleci_issuer.sign(circleci_claims(origin="gitlab.com/octo/gizmos"))
    doc = report(case("t"), run_id=CIRCLE_WORKFLOW, provider="circleci")
    assert "gitlab.com" in refused(Agent(token).post_report(doc), "oidc_claim_mismatch")


def test_a_hub_with_oidc_turned_off_refuses_every_oidc_token(project, github_issuer, settings):
    settings.OIDC_ENABLED = False
    token = github_issuer.sign(github_claims())
    assert "OIDC_ENABLED" in refused(Agent(token).post_report(report(case("t"))), "oidc_disabled")
    assert github_issuer.fetches == 0


def test_a_refused_token_is_not_written_to_the_log(project, github_issuer, caplog):
    token = github_issuer.sign(github_claims(aud="https://elsewhere.example"))
    with caplog.at_level("DEBUG"):
        refused(Agent(token).post_report(report(case("t"))), "oidc_wrong_audience")
    assert token not in caplog.text
    assert token.split(".")[2] not in caplog.text
