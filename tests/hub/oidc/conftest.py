"""A fake OIDC issuer at the HTTP boundary: real RSA keys made in the test, the discovery document and key
set served with ``responses``, and tokens signed with the claim shapes GitHub, GitLab and CircleCI publish
(github/docs "OIDC reference", docs.gitlab.com ci/secrets/id_token_authentication, circleci-docs
openid-connect-tokens; example values)."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.projects.models import Project

AUDIENCE = "https://hub.example.com"
GITHUB = "https://token.actions.githubusercontent.com"
GITLAB = "https://gitlab.com"
CIRCLE_ORG = "c9035eb6-6eb2-4c85-8a81-d9ed6a1d1d1e"
CIRCLECI = f"https://oidc.circleci.com/org/{CIRCLE_ORG}"
CIRCLE_PROJECT = "3a2f5b1c-7d4e-4f6a-9b8c-0d1e2f3a4b5c"
CIRCLE_WORKFLOW = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class FakeIssuer:
    """One issuer: its keys (kid -> private key), which of them it publishes, and how often it was asked."""

    def __init__(self, mock: responses.RequestsMock, url: str, jwks_path: str = "/.well-known/jwks") -> None:
        self.url = url
        self.jwks_url = url + jwks_path
        self.keys: dict[str, rsa.RSAPrivateKey] = {}
        self.published: list[str] = []
        self.discovery = mock.get(
            url + "/.well-known/openid-configuration",
            json={
                "issuer": url,
                "jwks_uri": self.jwks_url,
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )
        self.key_set = mock.add_callback(responses.GET, self.jwks_url, callback=self._serve_keys)

    def add_key(self, kid: str, *, publish: bool = True) -> rsa.RSAPrivateKey:
        self.keys[kid] = rsa_key()
        if publish:
            self.published.append(kid)
        return self.keys[kid]

    def public_jwk(self, kid: str) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.keys[kid].public_key()))
        return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}

    def _serve_keys(self, request):
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"keys": [self.public_jwk(k) for k in self.published]}),
        )

    def sign(self, claims: dict[str, Any], kid: str | None = None, **headers) -> str:
        kid = kid or next(iter(self.keys))
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid, **headers})

    @property
    def fetches(self) -> int:
        return self.key_set.call_count


@pytest.fixture(autouse=True)
def _hub_audience(settings):
    settings.OIDC_AUDIENCES = [AUDIENCE]
    settings.OIDC_JWKS_MIN_REFRESH = 60


@pytest.fixture
def http():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def github_issuer(http) -> FakeIssuer:
    issuer = FakeIssuer(http, GITHUB)
    issuer.add_key("github-key-1")
    return issuer


@pytest.fixture
def gitlab_issuer(http) -> FakeIssuer:
    issuer = FakeIssuer(http, GITLAB, "/oauth/discovery/keys")
    issuer.add_key("gitlab-key-1")
    return issuer


@pytest.fixture
def circleci_issuer(http) -> FakeIssuer:
    issuer = FakeIssuer(http, CIRCLECI, "/.well-known/jwks-pub.json")
    issuer.add_key("circleci-key-1")
    return issuer


def _times(**overrides) -> dict[str, int]:
    now = int(time.time())
    return {"iat": now - 5, "nbf": now - 5, "exp": now + 300, **overrides}


def github_claims(repository="acme/widgets", run_id="1001", attempt="1", **overrides) -> dict[str, Any]:
    owner = repository.split("/")[0]
    return {
        "jti": "7b0c1a3e-5f62-4a3e-9d1b-6c2f0e8a4d11",
        "sub": f"repo:{repository}:ref:refs/heads/main",
        "aud": AUDIENCE,
        "ref": "refs/heads/main",
        "sha": "a" * 40,
        "repository": repository,
        "repository_owner": owner,
        "repository_owner_id": "65432",
        "repository_visibility": "private",
        "repository_id": "74",
        "run_id": run_id,
        "run_number": "10",
        "run_attempt": attempt,
        "runner_environment": "github-hosted",
        "actor_id": "12",
        "actor": "octocat",
        "workflow": "CI",
        "head_ref": "",
        "base_ref": "",
        "event_name": "push",
        "ref_type": "branch",
        "workflow_ref": f"{repository}/.github/workflows/ci.yml@refs/heads/main",
        "job_workflow_ref": f"{repository}/.github/workflows/ci.yml@refs/heads/main",
        "iss": GITHUB,
        **_times(),
        **overrides,
    }


def gitlab_claims(path="globex/gadgets", pipeline_id="574", **overrides) -> dict[str, Any]:
    return {
        "namespace_id": "72",
        "namespace_path": path.split("/")[0],
        "project_id": "20",
        "project_path": path,
        "user_id": "1",
        "user_login": "sample-user",
        "pipeline_id": pipeline_id,
        "pipeline_source": "push",
        "job_id": "302",
        "ref": "main",
        "ref_type": "branch",
        "ref_path": "refs/heads/main",
        "ref_protected": "true",
        "runner_id": 1,
        "runner_environment": "gitlab-hosted",
        "sha": "a" * 40,
        "project_visibility": "private",
        "ci_config_ref_uri": f"gitlab.com/{path}//.gitlab-ci.yml@refs/heads/main",
        "jti": "235b3a54-b797-45c7-ae9a-f72d7bc6ef5b",
        "iss": GITLAB,
        "sub": f"project_path:{path}:ref_type:branch:ref:main",
        "aud": AUDIENCE,
        **_times(),
        **overrides,
    }


def circleci_claims(origin="github.com/octo/gizmos", workflow=CIRCLE_WORKFLOW, **overrides) -> dict[str, Any]:
    return {
        "iss": CIRCLECI,
        "sub": f"org/{CIRCLE_ORG}/project/{CIRCLE_PROJECT}/user/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9"
        f"/vcs-origin/{origin}/vcs-ref/refs/heads/main",
        "aud": AUDIENCE,
        "oidc.circleci.com/context-ids": ["7b6a5c4d-3e2f-4a1b-8c9d-0e1f2a3b4c5d"],
        "oidc.circleci.com/job-id": "1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9",
        "oidc.circleci.com/org-id": CIRCLE_ORG,
        "oidc.circleci.com/pipeline-definition-id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "oidc.circleci.com/pipeline-id": "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f",
        "oidc.circleci.com/project-id": CIRCLE_PROJECT,
        "oidc.circleci.com/ssh-rerun": False,
        "oidc.circleci.com/vcs-origin": origin,
        "oidc.circleci.com/vcs-ref": "refs/heads/main",
        "oidc.circleci.com/workflow-id": workflow,
        **_times(),
        **overrides,
    }


@pytest.fixture
def circleci_project(db) -> Project:
    return Project.objects.create(full_name="octo/gizmos", provider="circleci")
