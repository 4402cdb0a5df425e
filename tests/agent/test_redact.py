"""``agent.redact``: secrets and tokens leave text, their kind stays; ordinary identifiers stay whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.model import ReportParseError
from agent.parsers import read_report
from agent.redact import MASK, redact, redact_all

GITHUB = "ghp_" + "A1b2" * 9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {GITHUB} refused", f"token ghp_{MASK} refused"),
        ("github_pat_11ABCDEFG0_abcdefghijklmnopqrstuvwxyz", f"github_pat_{MASK}"),
        (
            "gho_abcdefghijklmnopqrstuvwxyz0123 and ghs_abcdefghijklmnopqrstuvwxyz0123",
            f"gho_{MASK} and ghs_{MASK}",
        ),
        ("GITLAB glpat-abcdefghij0123456789", f"GITLAB glpat-{MASK}"),
        ("slack xoxb-123456789012-abcdefghijkl", f"slack xoxb-{MASK}"),
        ("key AKIAIOSFODNN7EXAMPLE used", f"key AKIA{MASK} used"),
        ("orch_a_0123456789ab_s3cretPart-with_dashes", f"orch_a_0123456789ab_{MASK}"),
        ("orch_u_abcdef012345_anotherSecret", f"orch_u_abcdef012345_{MASK}"),
        ('-H "Authorization: Bearer abc.def-123"', f'-H "Authorization: Bearer {MASK}"'),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", f"Authorization: Basic {MASK}"),
        ("curl -H 'X: bearer 0a1b2c3d4e5f'", f"curl -H 'X: bearer {MASK}'"),
        (
            "clone https://ci:hunter22@git.example.com/app.git",
            f"clone https://ci:{MASK}@git.example.com/app.git",
        ),
        ("jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end", f"jwt {MASK} end"),
        ("connect(password=s3cret!, host=db)", f"connect(password={MASK}, host=db)"),
        ('{"api_key": "abcd1234", "name": "x"}', f'{{"api_key": "{MASK}", "name": "x"}}'),
        ("DB_PASSWORD: hunter22", f"DB_PASSWORD: {MASK}"),
        ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG", f"aws_secret_access_key = {MASK}"),
    ],
)
def test_it_replaces_the_secret_and_keeps_its_kind(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_it_removes_a_whole_pem_private_key() -> None:
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\nq1w2e3r4\n-----END RSA PRIVATE KEY-----"

    assert redact(f"key:\n{key}\ndone") == (
        f"key:\n-----BEGIN RSA PRIVATE KEY-----{MASK}-----END RSA PRIVATE KEY-----\ndone"
    )


def test_a_private_key_cut_short_by_a_log_is_removed_to_the_end() -> None:
    assert redact("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk") == (
        f"-----BEGIN OPENSSH PRIVATE KEY-----{MASK}-----END OPENSSH PRIVATE KEY-----"
    )


@pytest.mark.parametrize(
    "text",
    [
        "commit 0123456789abcdef0123456789abcdef01234567",
        "Basic authentication failed for user ci",
        "the token expired during validation",
        "max_tokens=5",
        "tests/test_x.py::TestC::test_y[param-1]",
        "AssertionError: expected 200, got 401",
    ],
)
def test_it_leaves_ordinary_text_alone(text: str) -> None:
    assert redact(text) == text


def test_redacting_twice_changes_nothing_more() -> None:
    once = redact(f"Authorization: token {GITHUB} password=x1y2z3")

    assert redact(once) == once


def test_redact_all_reaches_every_string_in_nested_data() -> None:
    data = {"a": [f"x {GITHUB}", {"b": ("password=abc123",)}], "n": 3, "none": None}

    assert redact_all(data) == {"a": [f"x ghp_{MASK}", {"b": [f"password={MASK}"]}], "n": 3, "none": None}


CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "junit"


def test_the_real_reports_of_the_corpus_lose_nothing_to_redaction() -> None:
    """Their messages and traces hold no secrets: any change would be a false positive."""
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not beside the repository (looked for {CORPUS.resolve()})")
    texts = []
    for path in sorted(CORPUS.rglob("*.xml")):
        try:
            cases = list(read_report(path))
        except ReportParseError:
            continue
        texts += [text for c in cases for text in (c.message, c.trace, c.stdout, c.stderr) if text]

    assert len(texts) > 300
    assert [text for text in texts if redact(text) != text] == []
