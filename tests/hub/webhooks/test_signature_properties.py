"""Signature verification as properties over any body and secret (hypothesis): the right signature always
verifies, and any change to the body, the secret or the signature never does."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from hub.webhooks.views import circleci, github
from hub.webhooks.views.common import hmac_sha256_hex, same
from tests.hub.webhooks.conftest import hex_hmac

bodies = st.binary(max_size=2048)
secrets = st.text(min_size=1, max_size=64)


@given(secret=secrets, body=bodies)
def test_githubs_signature_of_any_body_verifies(secret, body):
    assert github.signature_matches(secret, body, "sha256=" + hex_hmac(secret, body))


@given(secret=secrets, body=bodies, changed=bodies)
def test_a_github_signature_never_verifies_another_body(secret, body, changed):
    if changed != body:
        assert not github.signature_matches(secret, changed, "sha256=" + hex_hmac(secret, body))


@given(secret=secrets, other=secrets, body=bodies)
def test_a_github_signature_never_verifies_under_another_secret(secret, other, body):
    if other != secret:
        assert not github.signature_matches(other, body, "sha256=" + hex_hmac(secret, body))


@given(secret=secrets, body=bodies, header=st.text(max_size=80))
@example(secret="s", body=b"", header="sha256=")
@example(secret="s", body=b"", header="\x00")
def test_an_arbitrary_github_header_verifies_only_if_it_is_the_signature(secret, body, header):
    expected = "sha256=" + hex_hmac(secret, body)
    assert github.signature_matches(secret, body, header) == (header == expected)


@given(secret=secrets, body=bodies, decoys=st.lists(st.text(alphabet="0123456789abcdef", max_size=64)))
def test_circleci_verifies_when_one_v1_signature_among_decoys_matches(secret, body, decoys):
    values = [*decoys, hmac_sha256_hex(secret, body)]
    header = ",".join(f"v1={value}" for value in values)
    assert circleci.signature_matches(secret, body, header)


@given(secret=secrets, body=bodies, header=st.text(max_size=200))
def test_circleci_never_verifies_a_header_without_the_signature(secret, body, header):
    digest = hmac_sha256_hex(secret, body)
    if digest not in header:
        assert not circleci.signature_matches(secret, body, header)


@given(left=st.text(max_size=80), right=st.text(max_size=80))
def test_constant_time_comparison_is_equality_on_any_text(left, right):
    assert same(left, right) == (left == right)
