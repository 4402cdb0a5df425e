"""Policy validation: safe defaults, one error per bad key naming its path, "not yet" for keys whose
responder is not built."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hub.response.policy import schema, store

DOCS = Path(__file__).resolve().parents[3] / "docs" / "policy.md"


def test_an_empty_policy_is_valid_and_means_the_safe_defaults():
    assert schema.validate({}) == []
    policy = schema.effective({})
    assert policy["rerun"]["enabled"] is True
    assert policy["rerun"]["when"] == ["flaky", "infrastructure"]
    assert policy["issues"] == {
        "flaky": False,
        "broken": False,
        "new_cluster_on_default_branch": False,
        "cluster_quiet_days": 14,
        "labels": ["flaky-test"],
        "max_per_hour": 10,
    }
    assert policy["merge"]["enabled"] is False
    assert policy["notify"]["pull_request_comment"] is False


def test_keys_given_replace_their_defaults_and_the_rest_stay():
    policy = schema.effective({"rerun": {"max_per_day": 3}})
    assert (policy["rerun"]["max_per_day"], policy["rerun"]["max_per_run"]) == (3, 1)


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"rerun": {"max_per_run": -1}}, "rerun.max_per_run: must be an integer >= 0"),
        ({"rerun": {"max_per_day": "ten"}}, "rerun.max_per_day: must be an integer >= 0"),
        ({"rerun": {"max_per_day": True}}, "rerun.max_per_day: must be an integer >= 0"),
        ({"rerun": {"enabled": "yes"}}, "rerun.enabled: must be true or false"),
        ({"rerun": {"when": ["flaky", "cosmic rays"]}}, "rerun.when: 'cosmic rays' is not one of: flaky, "),
        ({"rerun": {"when": "flaky"}}, "rerun.when: must be a list of strings"),
        ({"rerun": {"max_per_hour": 1}}, "rerun.max_per_hour: unknown key; known in rerun: enabled, when,"),
        ({"rerun": []}, "rerun: must be a mapping of keys"),
        ({"reruns": {}}, "reruns: unknown section; known: version, rerun, issues"),
        ({"version": 2}, "version: must be one of 1"),
        ({"notify": {"emails": ["not an address"]}}, "notify.emails: 'not an address' is not an email"),
        ({"notify": {"slack_webhook_url": "http://x"}}, "notify.slack_webhook_url: must be an https:// URL"),
        (
            {"notify": {"when": ["every_push"]}},
            "notify.when: 'every_push' is not one of: failure, default_branch",
        ),
        ({"route": {"fixer": ["lint", "vibes"]}}, "route.fixer: 'vibes' is not one of: import"),
        ({"issues": {"labels": []}}, "issues.labels: must list at least one label"),
        ({"issues": {"labels": ["a,b"]}}, "issues.labels: each label must be 1 to 50 characters"),
        ({"issues": {"labels": "flaky"}}, "issues.labels: must be a list of strings"),
        ({"issues": {"max_per_hour": -1}}, "issues.max_per_hour: must be an integer >= 0"),
        ({"issues": {"cluster_quiet_days": 0}}, "issues.cluster_quiet_days: must be a whole number of days"),
        ({"issues": {"cluster_quiet_days": 366}}, "issues.cluster_quiet_days: must be a whole number of"),
        ({"issues": {"cluster_quiet_days": 7.5}}, "issues.cluster_quiet_days: must be a whole number of"),
        ({"issues": {"new_cluster_on_default_branch": "yes"}}, "issues.new_cluster_on_default_branch: must"),
    ],
)
def test_a_bad_value_is_refused_naming_its_key(document, error):
    errors = schema.validate(document)
    assert len(errors) == 1
    assert errors[0].startswith(error)


def test_a_key_not_built_yet_is_refused_as_not_yet_never_accepted_and_ignored(monkeypatch):
    later = schema.Key(0, schema.count, built=False, builds="counting stars")
    monkeypatch.setitem(schema.SCHEMA["merge"], "stars", later)

    assert schema.validate({"merge": {"stars": 3}}) == [
        "merge.stars: not yet: the hub does not build counting stars yet; remove the key"
    ]
    assert schema.validate({"merge": {"stars": 0}}) == []


def test_required_approvals_and_the_most_re_runs_of_a_flaky_fix_are_built():
    assert schema.validate({"merge": {"enabled": True, "approvals": 2, "flaky_max_runs": 20}}) == []
    assert schema.effective({"merge": {"flaky_max_runs": 20}})["merge"]["flaky_max_runs"] == 20


@pytest.mark.parametrize(
    ("merge", "error"),
    [
        ({"approvals": -1}, "merge.approvals: must be an integer >= 0"),
        ({"flaky_max_runs": 0}, "merge.flaky_max_runs: must be an integer >= 1"),
        ({"flaky_max_runs": 2.5}, "merge.flaky_max_runs: must be an integer >= 1"),
    ],
)
def test_a_bad_approvals_or_re_run_bound_is_refused_naming_it(merge, error):
    assert schema.validate({"merge": merge}) == [error]


def test_routing_to_the_fixer_and_its_workflow_are_built():
    document = {
        "route": {"fixer": ["lint", "import"]},
        "fixer": {"workflow": "orchestrate-fix.yml", "ref": "release/2.x", "inputs": {"python": "3.12"}},
    }
    assert schema.validate(document) == []


@pytest.mark.parametrize(
    ("fixer", "error"),
    [
        ({"inputs": {"fix_job": "9"}}, "fixer.inputs: 'fix_job' is sent by the hub itself"),
        ({"inputs": {7: "x"}}, "fixer.inputs: 7 is not an input name"),
        ({"inputs": {"python": 3}}, "fixer.inputs: must be a mapping of input names to strings"),
        ({"inputs": {f"i{n}": "x" for n in range(8)}}, "fixer.inputs: at most 7 inputs"),
        ({"workflow": ""}, "fixer.workflow: must be a workflow file or name"),
        ({"ref": "../main"}, "fixer.ref: must be a branch or tag name"),
        ({"max_per_day": -1}, "fixer.max_per_day: must be an integer >= 0"),
    ],
)
def test_a_bad_fixer_key_is_refused_naming_it(fixer, error):
    errors = schema.validate({"fixer": fixer})
    assert len(errors) == 1
    assert errors[0].startswith(error)


def test_issues_for_flaky_and_broken_tests_are_built():
    assert schema.validate({"issues": {"flaky": True, "broken": True, "labels": ["ci", "flaky"]}}) == []


def test_issues_for_new_failure_clusters_on_the_default_branch_are_built():
    document = {"issues": {"new_cluster_on_default_branch": True, "cluster_quiet_days": 30}}
    assert schema.validate(document) == []


def test_a_coding_agent_route_and_its_agent_section_are_built():
    document = {
        "route": {"coding_agent": ["type_check", "assertion"]},
        "agent": {"adapter": "codegen", "organization": "323", "max_attempts": 3, "max_per_day": 5,
                  "require_approval": True, "timeout_minutes": 60},
    }  # fmt: skip
    assert schema.validate(document) == []


@pytest.mark.parametrize(
    ("document", "error"),
    [
        ({"agent": {"adapter": "devin"}}, "agent.adapter: must be one of: '', 'codegen', 'http'"),
        ({"agent": {"organization": "acme"}}, "agent.organization: must be the organisation's id"),
        ({"agent": {"max_per_day": -2}}, "agent.max_per_day: must be an integer >= 0"),
    ],
)
def test_a_bad_agent_key_is_refused_naming_it(document, error):
    assert [e[: len(error)] for e in schema.validate(document)] == [error]


def test_merging_and_its_rules_are_built():
    document = {
        "merge": {"enabled": True, "require_validate": False, "allowed_paths": ["src/**"], "max_files": 3,
                  "max_lines": 50, "require_checks": True}
    }  # fmt: skip
    assert schema.validate(document) == []
    assert schema.effective(document)["merge"]["allowed_paths"] == ["src/**"]


def test_a_bad_merge_rule_is_refused_naming_it():
    assert schema.validate({"merge": {"max_lines": -1, "allowed_paths": "src/**"}}) == [
        "merge.max_lines: must be an integer >= 0",
        "merge.allowed_paths: must be a list of strings",
    ]


def test_keys_not_built_yet_may_be_written_at_their_off_defaults():
    assert schema.validate(schema.defaults()) == []


def test_every_bad_key_is_reported_at_once():
    errors = schema.validate({"rerun": {"max_per_run": -1, "enabled": 1}, "merge": {"enabled": "yes"}})
    assert [e.split(":")[0] for e in errors] == ["rerun.max_per_run", "rerun.enabled", "merge.enabled"]


def test_a_policy_that_is_not_a_mapping_is_refused():
    assert schema.validate(["rerun"]) == [
        "the policy must be a mapping of sections (rerun, issues, notify, route, agent, fixer, merge, deploy)"
    ]


def test_yaml_that_does_not_parse_is_refused_with_where():
    with pytest.raises(store.PolicyInvalid, match="not valid YAML"):
        store.parse("rerun: [unclosed", yaml_text=True)


def test_yaml_is_loaded_safely():
    with pytest.raises(store.PolicyInvalid, match="not valid YAML"):
        store.parse("!!python/object/apply:os.system ['true']", yaml_text=True)


def test_the_full_example_in_the_reference_is_valid_and_documents_every_key():
    text = DOCS.read_text("utf-8")
    example = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert example, "docs/policy.md has a full example in a yaml block"
    document = store.parse(example.group(1), yaml_text=True)
    assert schema.validate(document) == []
    for section, keys in schema.SCHEMA.items():
        for name in keys:
            assert f"`{section}.{name}`" in text, f"docs/policy.md does not document {section}.{name}"


def test_text_no_database_can_store_is_replaced_as_it_enters():
    from hub.response.policy.store import parse

    document = parse('{"issues": {"labels": ["flaky\\u0000", "\\udae0x"]}}', yaml_text=False)

    assert document == {"issues": {"labels": ["flaky\ufffd", "\ufffdx"]}}


@pytest.mark.parametrize("value", [0, -5, "an hour", True, 1.5])
def test_rerun_verify_within_minutes_must_be_a_whole_number_of_minutes_from_one(value):
    assert schema.validate({"rerun": {"verify_within_minutes": value}}) == [
        "rerun.verify_within_minutes: must be an integer >= 1"
    ]
