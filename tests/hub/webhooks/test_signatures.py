"""Signature checks against published vectors and their near misses."""

from __future__ import annotations

import pytest

from hub.webhooks.views import circleci, github
from tests.hub.webhooks.conftest import corpus_json, hex_hmac


@pytest.fixture
def vector() -> dict:
    return corpus_json("github/signature-test-vector.json")


def test_githubs_published_vector_verifies(vector):
    assert github.signature_matches(
        vector["secret"], vector["payload"].encode(), vector["x_hub_signature_256"]
    )


def test_the_vector_fails_with_one_byte_of_the_body_changed(vector):
    body = vector["payload"].replace("!", "?").encode()
    assert not github.signature_matches(vector["secret"], body, vector["x_hub_signature_256"])


def test_the_vector_fails_under_another_secret(vector):
    assert not github.signature_matches("another", vector["payload"].encode(), vector["x_hub_signature_256"])


def test_a_bare_hex_digest_without_the_sha256_prefix_is_refused(vector):
    assert not github.signature_matches(vector["secret"], vector["payload"].encode(), vector["signature"])


def test_circleci_accepts_any_matching_v1_signature_among_several():
    body = b'{"type": "ping"}'
    header = f"v1={'0' * 64},v1={hex_hmac('s3cret', body)}"
    assert circleci.signature_matches("s3cret", body, header)


def test_circleci_ignores_signatures_of_other_versions():
    body = b'{"type": "ping"}'
    assert not circleci.signature_matches("s3cret", body, f"v0={hex_hmac('s3cret', body)}")
