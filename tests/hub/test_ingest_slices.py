"""A report whose ``cases`` come last is read in slices decoded in C; what the slices must never change.

Slices are made tiny here so that every report crosses many of them: the cut points between cases, and the
hand-over to the pull parser when a slice cannot vouch for its cases, are where a case could be lost,
doubled, split or misnamed.
"""

from __future__ import annotations

import json

import pytest

from hub.projects.models import AgentToken
from hub.runs.models import Run, Test, TestResult
from tests.hub.conftest import Agent, case, report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def tiny_slices(monkeypatch):
    monkeypatch.setattr("hub.runs.services.documents.SLICE_BYTES", 512)


def stored_names() -> list[str]:
    return list(TestResult.objects.order_by("id").values_list("test__name", flat=True))


def many(count: int, **extra) -> list[dict]:
    return [case(f"t{i:04}", **extra) for i in range(count)]


def no_pull_parser(file):
    raise AssertionError("the slices should have read this report")


def test_every_case_lands_once_and_in_order_across_slices(agent, monkeypatch):
    monkeypatch.setattr("hub.runs.services.documents.iter_cases", no_pull_parser)
    response = agent.post_report(report(*many(300)))
    assert response.status_code == 201, response.content
    assert stored_names() == [f"t{i:04}" for i in range(300)]


def test_braces_and_commas_inside_strings_never_split_a_case(agent, monkeypatch):
    monkeypatch.setattr(
        "hub.runs.services.documents.iter_cases", no_pull_parser
    )  # cut again, not handed over
    tricky = 'expected {"a": 1}, {"b": [2]}, got },{ and }, {'
    cases = [case(f"t{i:04}", "failed", message=tricky, trace="}\n,{\n" * 20) for i in range(120)]
    response = agent.post_report(report(*cases))
    assert response.status_code == 201, response.content
    assert stored_names() == [f"t{i:04}" for i in range(120)]
    assert set(TestResult.objects.values_list("message", flat=True)) == {tricky}


def test_a_pretty_printed_report_is_read_the_same(agent):
    body = json.dumps(report(*many(150)), indent=2).encode()
    response = agent.post_report(None, raw=body)
    assert response.status_code == 201, response.content
    assert stored_names() == [f"t{i:04}" for i in range(150)]


def test_a_case_only_the_schema_accepts_hands_over_to_the_pull_parser_without_loss_or_doubling(agent):
    cases = many(300)
    cases[200]["line"] = 3.0  # a JSON Schema integer, which the C decoder does not vouch for
    response = agent.post_report(report(*cases))
    assert response.status_code == 201, response.content
    assert stored_names() == [f"t{i:04}" for i in range(300)]


def test_an_invalid_case_in_a_later_slice_is_named_by_its_index_and_nothing_lands(agent):
    cases = many(300)
    cases[250]["status"] = "exploded"
    response = agent.post_report(report(*cases))
    assert response.status_code == 422
    assert "cases[250]" in response.json()["error"]["message"]
    assert (Run.objects.count(), TestResult.objects.count()) == (0, 0)


def test_a_trailing_comma_after_the_last_case_is_malformed_json(agent):
    body = json.dumps(report(*many(40))).encode()
    assert body.endswith(b"}]}")
    response = agent.post_report(None, raw=body[:-3] + b"},]}")
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]["message"]
    assert TestResult.objects.count() == 0


def test_a_report_cut_short_inside_its_cases_is_malformed_json(agent):
    body = json.dumps(report(*many(40))).encode()
    response = agent.post_report(None, raw=body[: len(body) // 2])
    assert response.status_code == 400
    assert TestResult.objects.count() == 0


def test_the_text_of_a_cases_key_inside_a_header_string_does_not_mislead_the_reader(agent):
    doc = report(*many(60), workflow='"cases":[{"name": "ghost", "status": "passed"}],')
    response = agent.post_report(doc)
    assert response.status_code == 201, response.content
    assert stored_names() == [f"t{i:04}" for i in range(60)]


def test_cases_are_found_after_a_header_many_reads_long(agent, monkeypatch):
    monkeypatch.setattr("hub.runs.services.documents.iter_cases", no_pull_parser)
    files = [{"path": f"src/module_{i}.py", "lines_covered": 1, "lines_valid": 2} for i in range(300)]
    doc = report(*many(80))
    doc["coverage"] = {"format": "cobertura", "lines_covered": 300, "lines_valid": 600, "files": files}
    doc = {key: doc[key] for key in ("version", "run", "job", "coverage", "cases")}  # cases last
    assert len(json.dumps(doc["coverage"])) > 20 * 512  # twenty reads of the tiny slices before the cases
    response = agent.post_report(doc)
    assert response.status_code == 201, response.content
    assert stored_names() == [f"t{i:04}" for i in range(80)]


def test_an_empty_cases_array_lands_an_upload_without_results(agent):
    response = agent.post_report(report())
    assert response.status_code == 201, response.content
    assert response.json()["results"] == 0


def test_an_unknown_top_level_key_is_refused_like_any_unknown_key(agent):
    doc = {**report(case("a")), "extra": {"cases": [case("ghost")]}}
    response = agent.post_report(doc)
    assert response.status_code == 422
    assert "extra" in response.json()["error"]["message"]
    assert TestResult.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_tests_already_committed_are_found_by_the_reading_thread_and_results_point_at_them(agent):
    first = [case(f"t{i:04}") for i in range(200)]
    assert agent.post_report(report(*first, run_id="1")).status_code == 201
    again = [*first[::-1], case("new-one")]  # known tests in another order, and one the hub has not seen
    response = agent.post_report(report(*again, run_id="2"))
    assert response.status_code == 201, response.content
    second = TestResult.objects.filter(run__provider_run_id="2").order_by("id")
    assert [r.test.name for r in second] == [c["name"] for c in again]
    assert Test.objects.count() == 201


@pytest.mark.django_db(transaction=True)
def test_a_range_of_test_ids_read_back_never_lends_another_projects_tests(agent, project, other_project):
    shared = [case(f"x{i}") for i in range(10)]
    suite = [case(f"p{i}") for i in range(10)] + shared
    _, other_token = AgentToken.issue(project=other_project)
    assert agent.post_report(report(*suite, run_id="1")).status_code == 201
    # The same identities in another project take the next ids, inside the range read for a later batch.
    assert Agent(other_token).post_report(report(*shared, run_id="1")).status_code == 201
    assert agent.post_report(report(*suite, run_id="2")).status_code == 201
    mine = TestResult.objects.filter(run__project=project, run__provider_run_id="2").order_by("id")
    assert {r.test.project_id for r in mine} == {project.pk}
    assert [r.test.name for r in mine] == [c["name"] for c in suite]
