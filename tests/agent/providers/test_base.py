"""The provider contract's values and errors, and the registry that hands out clients."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent.providers import PROVIDERS, get_provider, provider_class
from agent.providers.base import (
    AuthenticationError,
    Conclusion,
    JobInfo,
    ProviderError,
    RunInfo,
    RunStatus,
    UnsupportedOperation,
    parse_time,
)


def test_statuses_and_conclusions_are_the_hubs_strings():
    assert [status.value for status in RunStatus] == ["queued", "in_progress", "completed"]
    assert {c.value for c in Conclusion} == {
        "success",
        "failure",
        "cancelled",
        "skipped",
        "timed_out",
        "neutral",
    }


def test_an_error_reads_as_what_is_wrong_then_what_to_do():
    error = AuthenticationError("GitHub rejected the token (401)", "set GITHUB_TOKEN")
    assert str(error) == "GitHub rejected the token (401). set GITHUB_TOKEN"
    assert error.exit_code == 4
    assert ProviderError("x").exit_code == 1
    assert isinstance(UnsupportedOperation("CircleCI cannot re-run a single job"), ProviderError)


def test_a_run_as_json_has_our_fields_and_its_jobs_but_not_the_raw_payload():
    started = datetime(2020, 1, 20, 17, 42, 40, tzinfo=UTC)
    job = JobInfo("399444496", "build", "completed", "success", "https://x/job", started, None, raw={"a": 1})
    run = RunInfo(
        "30433642",
        "completed",
        "success",
        "https://x/run",
        "Build",
        "main",
        "abc",
        "push",
        2,
        jobs=(job,),
        raw={"huge": "payload"},
    )
    data = run.as_json()
    assert data["attempt"] == 2
    assert data["jobs"][0]["started_at"] == "2020-01-20T17:42:40+00:00"
    assert "raw" not in data
    assert "raw" not in data["jobs"][0]


def test_values_compare_and_hash_without_their_raw_payload():
    one = JobInfo("1", "build", "queued", None, "u", raw={"a": 1})
    assert one == JobInfo("1", "build", "queued", None, "u", raw={"b": 2})
    assert len({one}) == 1


def test_api_timestamps_parse_and_missing_ones_are_none():
    assert parse_time("2020-01-22T19:33:08Z") == datetime(2020, 1, 22, 19, 33, 8, tzinfo=UTC)
    assert parse_time(None) is None
    assert parse_time("yesterday") is None


def test_an_unknown_provider_names_the_known_ones():
    with pytest.raises(ProviderError) as caught:
        get_provider("jenkins", "o/r", token=None)
    assert "github" in caught.value.hint
    assert "circleci" in caught.value.hint


def test_a_registered_provider_without_its_module_says_it_is_not_available(monkeypatch):
    monkeypatch.setitem(PROVIDERS, "nowhere", "nowhere_provider_module")
    with pytest.raises(ProviderError, match="not available"):
        provider_class("nowhere")


def test_the_registry_hands_out_the_github_client_by_name():
    provider = get_provider("GitHub", "octo-org/octo-repo", token="t")
    assert provider.name == "github"
    assert provider.repo == "octo-org/octo-repo"
