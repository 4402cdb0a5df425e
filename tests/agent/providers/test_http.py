"""The HTTP machinery every provider shares: errors that say what to do, rate limits waited out within a
bound, mutating requests spaced, redirects that keep credentials home, pagination, bounded bodies.

The outside world is faked with ``responses``; time is a ``FakeTime`` that sleeping advances.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests
import responses

from agent import __version__
from agent.providers.base import AuthenticationError, NotFoundError, ProviderError, RateLimitedError
from agent.providers.http import ApiClient, collect
from tests.agent.providers.conftest import FakeTime

API = "https://api.example.test"
DATE = "Tue, 14 Nov 2023 22:13:20 GMT"  # 1_700_000_000 seconds after the epoch


def client(fake_time: FakeTime, **kwargs) -> ApiClient:
    options = {
        "provider": "Example CI",
        "headers": {"Authorization": "Bearer secret-token", "PRIVATE-TOKEN": "secret-token"},
        "auth_hint": "set EXAMPLE_TOKEN",
        "not_found_hint": "check --repo",
        "sleep": fake_time.sleep,
        "clock": fake_time.clock,
        "now": fake_time.clock,
        **kwargs,
    }
    return ApiClient(API, **options)


# -- identity and errors -----------------------------------------------------------------------------


@responses.activate
def test_every_request_names_orchestrate_and_its_version_and_carries_the_provider_headers(fake_time):
    responses.get(f"{API}/things", json={})
    client(fake_time).get_json("/things")
    sent = responses.calls[0].request.headers
    assert f"orchestrate/{__version__}" in sent["User-Agent"]
    assert sent["Authorization"] == "Bearer secret-token"


@responses.activate
def test_a_401_is_an_authentication_error_with_the_token_hint_and_exit_code_4(fake_time):
    responses.get(f"{API}/things", status=401, json={"message": "Bad credentials"})
    with pytest.raises(AuthenticationError) as caught:
        client(fake_time).get_json("/things")
    assert "Bad credentials" in caught.value.message
    assert caught.value.hint == "set EXAMPLE_TOKEN"
    assert caught.value.exit_code == 4


@responses.activate
def test_a_403_that_is_not_a_rate_limit_says_the_token_lacks_permission(fake_time):
    responses.post(f"{API}/things", status=403, json={"message": "Resource not accessible by integration"})
    with pytest.raises(AuthenticationError) as caught:
        client(fake_time).request("POST", "/things")
    assert "Resource not accessible by integration" in str(caught.value)
    assert fake_time.sleeps == []


@responses.activate
def test_a_403_about_something_else_than_permissions_is_a_plain_error(fake_time):
    message = "Unable to retry this workflow run because it was created over a month ago"
    responses.post(f"{API}/rerun", status=403, json={"message": message})
    with pytest.raises(ProviderError) as caught:
        client(fake_time).request("POST", "/rerun")
    assert not isinstance(caught.value, AuthenticationError)
    assert message in caught.value.message


@responses.activate
def test_a_404_is_not_found_with_the_providers_hint_unless_the_call_gives_its_own(fake_time):
    responses.get(f"{API}/runs/1", status=404, json={"message": "Not Found"})
    api = client(fake_time)
    with pytest.raises(NotFoundError) as default:
        api.get_json("/runs/1")
    with pytest.raises(NotFoundError) as specific:
        api.get_json("/runs/1", not_found_hint="check the run id")
    assert default.value.hint == "check --repo"
    assert specific.value.hint == "check the run id"
    assert "/runs/1" in default.value.message


@responses.activate
def test_another_client_error_carries_the_apis_own_message(fake_time):
    responses.post(f"{API}/dispatches", status=422, json={"message": 'Unexpected inputs provided: ["x"]'})
    with pytest.raises(ProviderError) as caught:
        client(fake_time).request("POST", "/dispatches", json={})
    assert "422" in caught.value.message
    assert 'Unexpected inputs provided: ["x"]' in caught.value.message


@responses.activate
def test_messages_never_show_a_query_string(fake_time):
    responses.get(f"{API}/logs", status=302, headers={"Location": "https://storage.test/blob?sig=SECRET"})
    responses.get("https://storage.test/blob", status=500)
    with pytest.raises(ProviderError) as caught:
        client(fake_time, retries=0).read_tail("/logs", max_bytes=100)
    assert "SECRET" not in str(caught.value)
    assert "https://storage.test/blob" in caught.value.message


@responses.activate
def test_a_read_is_retried_after_a_bad_gateway(fake_time):
    responses.get(f"{API}/things", status=502)
    responses.get(f"{API}/things", json={"ok": True})
    assert client(fake_time).get_json("/things") == {"ok": True}
    assert fake_time.sleeps == [1.0]


@responses.activate
def test_a_read_that_cannot_connect_says_which_address_after_its_retries(fake_time):
    responses.get(f"{API}/things", body=requests.ConnectionError("refused"))
    with pytest.raises(ProviderError) as caught:
        client(fake_time).get_json("/things")
    assert f"could not reach Example CI at {API}/things" in caught.value.message
    assert len(responses.calls) == 3


@responses.activate
def test_a_mutating_request_is_never_retried_on_a_bad_gateway(fake_time):
    responses.post(f"{API}/cancel", status=502)
    with pytest.raises(ProviderError):
        client(fake_time).request("POST", "/cancel")
    assert len(responses.calls) == 1


@responses.activate
def test_a_mutation_answered_by_a_server_error_says_the_provider_may_have_acted(fake_time):
    responses.post(f"{API}/rerun", status=502, json={"message": "Server Error"})
    with pytest.raises(ProviderError) as caught:
        client(fake_time).request("POST", "/rerun")
    assert caught.value.message == (
        f"Example CI failed on POST {API}/rerun (502: Server Error); it may have acted on the request "
        "before failing"
    )
    assert caught.value.hint == (
        "check in Example CI whether it started (a new run or attempt) before asking again"
    )


@responses.activate
def test_a_mutation_answered_503_with_retry_after_is_not_retried_and_says_when_to_ask_again(fake_time):
    responses.post(f"{API}/rerun", status=503, headers={"Retry-After": "30"})
    with pytest.raises(ProviderError) as caught:
        client(fake_time).request("POST", "/rerun")
    assert len(responses.calls) == 1
    assert caught.value.hint.endswith("before asking again; 30 s at the earliest, as it asked (Retry-After)")


@responses.activate
def test_a_read_that_keeps_failing_says_only_to_try_again_later(fake_time):
    responses.get(f"{API}/things", status=500)
    with pytest.raises(ProviderError) as caught:
        client(fake_time).get_json("/things")
    assert "may have acted" not in caught.value.message
    assert caught.value.hint == "the provider is having trouble; try again later"


# -- rate limits -------------------------------------------------------------------------------------


@responses.activate
def test_a_429_waits_for_retry_after_then_asks_again(fake_time):
    responses.get(f"{API}/things", status=429, headers={"Retry-After": "7"})
    responses.get(f"{API}/things", json={"ok": True})
    assert client(fake_time).get_json("/things") == {"ok": True}
    assert fake_time.sleeps == [7.0]


@responses.activate
def test_an_exhausted_primary_limit_waits_until_the_reset_time_by_the_servers_clock(fake_time):
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000042", "Date": DATE}
    responses.get(f"{API}/things", status=403, json={"message": "API rate limit exceeded"}, headers=headers)
    responses.get(f"{API}/things", json={"ok": True})
    fake_time.now = 1_699_990_000.0  # our clock is off by hours; the server's Date decides
    client(fake_time).get_json("/things")
    assert fake_time.sleeps == [43.0]  # until the reset, plus a second


@responses.activate
def test_a_secondary_limit_without_headers_backs_off_from_a_minute_and_doubles(fake_time):
    body = {
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."
    }
    responses.get(f"{API}/things", status=403, json=body)
    responses.get(f"{API}/things", status=403, json=body)
    responses.get(f"{API}/things", json={"ok": True})
    client(fake_time).get_json("/things")
    assert fake_time.sleeps == [60.0, 120.0]


@responses.activate
def test_a_limit_that_resets_beyond_the_budget_fails_at_once_saying_when(fake_time):
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(1_700_000_000 + 3000), "Date": DATE}
    responses.get(f"{API}/things", status=403, json={"message": "API rate limit exceeded"}, headers=headers)
    with pytest.raises(RateLimitedError) as caught:
        client(fake_time, max_rate_limit_wait=300).get_json("/things")
    assert fake_time.sleeps == []
    assert "23:03:21 UTC" in caught.value.message
    assert caught.value.hint


@responses.activate
def test_waits_for_one_request_add_up_against_the_budget(fake_time):
    for _ in range(3):
        responses.get(f"{API}/things", status=429, headers={"Retry-After": "100"})
    with pytest.raises(RateLimitedError):
        client(fake_time, max_rate_limit_wait=250).get_json("/things")
    assert fake_time.sleeps == [100.0, 100.0]


# -- politeness --------------------------------------------------------------------------------------


@responses.activate
def test_mutating_requests_are_spaced_a_second_apart(fake_time):
    responses.post(f"{API}/a", status=201)
    responses.post(f"{API}/b", status=201)
    api = client(fake_time)
    api.request("POST", "/a")
    fake_time.advance(0.25)
    api.request("POST", "/b")
    assert fake_time.sleeps == [0.75]


@responses.activate
def test_reads_and_well_spaced_writes_do_not_wait(fake_time):
    responses.get(f"{API}/a", json={})
    responses.post(f"{API}/b", status=201)
    api = client(fake_time)
    api.get_json("/a")
    api.get_json("/a")
    api.request("POST", "/b")
    fake_time.advance(1.5)
    api.request("POST", "/b")
    assert fake_time.sleeps == []


# -- redirects ---------------------------------------------------------------------------------------


@responses.activate
def test_a_redirect_to_another_host_carries_no_credentials(fake_time):
    responses.get(f"{API}/logs", status=302, headers={"Location": "https://storage.test/log.txt?sig=abc"})
    responses.get("https://storage.test/log.txt", body="line 1\n")
    assert client(fake_time).read_tail("/logs", max_bytes=1000) == "line 1\n"
    redirected = responses.calls[1].request.headers
    assert "Authorization" not in redirected
    assert "PRIVATE-TOKEN" not in redirected
    assert "orchestrate/" in redirected["User-Agent"]


@responses.activate
def test_an_absolute_url_on_another_host_is_requested_without_credentials(fake_time):
    responses.get("https://elsewhere.test/file", body="data")
    client(fake_time).read_tail("https://elsewhere.test/file", max_bytes=100)
    assert "Authorization" not in responses.calls[0].request.headers


@responses.activate
def test_a_host_the_caller_trusts_gets_the_credentials_too(fake_time):
    responses.get("https://status.example.test/runs/1", json={})
    client(fake_time, trusted_urls=["https://status.example.test/"]).get_json(
        "https://status.example.test/runs/1"
    )
    assert responses.calls[0].request.headers["Authorization"] == "Bearer secret-token"


@responses.activate
def test_a_redirect_within_the_api_keeps_the_credentials(fake_time):
    responses.get(f"{API}/repos/old", status=301, headers={"Location": f"{API}/repos/new"})
    responses.get(f"{API}/repos/new", json={"id": 1})
    assert client(fake_time).get_json("/repos/old") == {"id": 1}
    assert responses.calls[1].request.headers["Authorization"] == "Bearer secret-token"


@responses.activate
def test_a_redirect_from_https_to_plain_http_is_refused(fake_time):
    responses.get(f"{API}/logs", status=302, headers={"Location": "http://storage.test/log.txt"})
    with pytest.raises(ProviderError, match="plain-HTTP"):
        client(fake_time).read_tail("/logs", max_bytes=1000)
    assert len(responses.calls) == 1


# -- pagination --------------------------------------------------------------------------------------


@responses.activate
def test_link_pagination_follows_next_until_the_last_page(fake_time):
    next_link = {"Link": f'<{API}/items?page=2>; rel="next", <{API}/items?page=2>; rel="last"'}
    responses.get(f"{API}/items", json={"items": [1, 2]}, headers=next_link, match=[page_is(None)])
    responses.get(f"{API}/items", json={"items": [3]}, match=[page_is("2")])
    api = client(fake_time)
    assert collect(api.link_pages("/items", params={"per_page": 2}), lambda body: body["items"]) == [1, 2, 3]


@responses.activate
def test_a_limit_stops_fetching_pages_once_it_is_reached(fake_time):
    next_link = {"Link": f'<{API}/items?page=2>; rel="next"'}
    responses.get(f"{API}/items", json={"items": [1, 2]}, headers=next_link)
    assert collect(client(fake_time).link_pages("/items"), lambda body: body["items"], limit=2) == [1, 2]
    assert len(responses.calls) == 1


@responses.activate
def test_a_next_page_on_another_host_is_refused(fake_time):
    responses.get(
        f"{API}/items", json={"items": [1]}, headers={"Link": '<https://evil.test/items?page=2>; rel="next"'}
    )
    with pytest.raises(ProviderError, match="another host"):
        collect(client(fake_time).link_pages("/items"), lambda body: body["items"])


@responses.activate
def test_numbered_pages_stop_at_a_short_page(fake_time):
    responses.get(f"{API}/jobs", json=[1, 2], match=[page_is("1")])
    responses.get(f"{API}/jobs", json=[3], match=[page_is("2")])
    pages = client(fake_time).numbered_pages("/jobs", items=lambda body: body, per_page=2)
    assert collect(pages, lambda body: body) == [1, 2, 3]


@responses.activate
def test_token_pages_follow_the_cursor_until_there_is_none(fake_time):
    responses.get(f"{API}/pipelines", json={"items": ["a"], "next_page_token": "t2"}, match=[token_is(None)])
    responses.get(f"{API}/pipelines", json={"items": ["b"], "next_page_token": None}, match=[token_is("t2")])
    pages = client(fake_time).token_pages("/pipelines")
    assert collect(pages, lambda body: body["items"]) == ["a", "b"]


def page_is(value: str | None):
    return query_param_is("page", value)


def token_is(value: str | None):
    return query_param_is("page-token", value)


def query_param_is(name: str, value: str | None):
    def match(request) -> tuple[bool, str]:
        found = re.search(rf"[?&]{re.escape(name)}=([^&]*)", request.url)
        actual = found.group(1) if found else None
        return actual == value, f"{name}={actual!r}, wanted {value!r}"

    return match


# -- bounded bodies ----------------------------------------------------------------------------------


@responses.activate
def test_a_download_over_the_bound_fails_and_leaves_no_file(fake_time, tmp_path: Path):
    responses.get(f"{API}/artifact.zip", body=b"x" * 5000)
    target = tmp_path / "artifact.zip"
    with pytest.raises(ProviderError, match="larger than"):
        client(fake_time).download("/artifact.zip", target, max_bytes=4096)
    assert not target.exists()


@responses.activate
def test_a_download_within_the_bound_is_written_whole(fake_time, tmp_path: Path):
    responses.get(f"{API}/artifact.zip", body=b"x" * 5000)
    target = client(fake_time).download("/artifact.zip", tmp_path / "a" / "artifact.zip", max_bytes=8192)
    assert target.read_bytes() == b"x" * 5000


@responses.activate
def test_a_long_log_keeps_its_tail_from_a_whole_line_and_says_what_was_cut(fake_time):
    log = "".join(f"line {n}\n" for n in range(1000))
    responses.get(f"{API}/log", body=log)
    text = client(fake_time).read_tail("/log", max_bytes=100)
    assert text.startswith("[... ")
    assert text.endswith("line 999\n")
    kept = text.splitlines()[1:]
    assert all(line.startswith("line ") for line in kept)
    assert int(text.split()[1]) + len("\n".join(kept) + "\n") == len(log)
