"""The response policy: its keys, their defaults and their checks, as plain data and pure functions.

A project's policy is one small document (YAML or JSON); every key is optional and takes its default, so
``{}`` is the safe policy: known-flaky failures are re-run, nothing writes to a repository or notifies
anyone. ``validate`` returns one error per bad key, each naming its path (``rerun.max_per_run: must be
an integer >= 0``). Keys for responders that are not built yet are part of the schema, so a document
can be written ahead, but any value other than their off default is refused as "not yet": a setting
is never accepted and then ignored. Building a responder means flipping its keys' ``built`` flag.
docs/policy.md is the reference; a test checks that its example is valid.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from hub.failures.models import Category
from hub.response.summary import EVENTS

RERUN_REASONS = ("flaky", "infrastructure")
AGENT_ADAPTERS = ("codegen", "http")  # hub/response/agents/<adapter>.py
CATEGORIES = tuple(Category.values)
# Spaces spelled out: Python's \s and JSON Schema's (ECMAScript's) differ (U+0085, U+001C-1F), and the
# patterns here are also the API's description (``openapi``), which must take exactly what ``validate`` does.
SPACE = " \t\n\r\f\v"
EMAIL = re.compile(r"^[^@ \t\n\r\f\v]+@[^@ \t\n\r\f\v]+\.[^@ \t\n\r\f\v]+$")

Check = Callable[[Any], str | None]  # an error message for a bad value, None for a good one


def described(fragment: dict[str, Any]) -> Callable[[Check], Check]:
    """Give a check the JSON Schema of the values it accepts, so the API's description of a policy says
    exactly what ``validate`` takes (``openapi``)."""

    def attach(check: Check) -> Check:
        check.json_schema = fragment  # type: ignore[attr-defined]
        return check

    return attach


@described({"type": "boolean"})
def boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


@described({"type": "integer", "minimum": 0})
def count(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return None if ok else "must be an integer >= 0"


@described({"type": "integer", "minimum": 1, "maximum": 365})
def days(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 365
    return None if ok else "must be a whole number of days from 1 to 365"


@described({"type": "integer", "minimum": 1})
def positive(value: Any) -> str | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return None if ok else "must be an integer >= 1"


@described({"type": "string", "pattern": "^(https://[\\s\\S]*)?$"})
def https_url(value: Any) -> str | None:
    ok = isinstance(value, str) and (value == "" or value.startswith("https://"))
    return None if ok else "must be an https:// URL (or empty)"


@described({"type": "string", "pattern": "^(https?://[\\s\\S]*)?$"})
def http_url(value: Any) -> str | None:
    """An address the hub itself asks (a health check): http:// is allowed, for services on a private
    network."""
    ok = isinstance(value, str) and (value == "" or value.startswith(("http://", "https://")))
    return None if ok else "must be an http:// or https:// URL (or empty)"


def one_of(*choices: str) -> Check:
    @described({"type": "string", "enum": list(choices)})
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of: {', '.join(repr(c) for c in choices)}"

    return check


@described({"type": "string", "pattern": "^([0-9]{1,18})?$"})
def organization(value: Any) -> str | None:
    """A Codegen organisation id: digits (its API takes an integer), or empty when not used."""
    ok = isinstance(value, str) and (
        value == "" or (value.isascii() and value.isdigit() and len(value) <= 18)
    )
    return None if ok else "must be the organisation's id, digits only (or empty)"


def list_of(choices: tuple[str, ...] | None = None, pattern: re.Pattern | None = None) -> Check:
    item: dict[str, Any] = {"type": "string"}
    if choices is not None:
        item["enum"] = list(choices)
    if pattern is not None:
        item["pattern"] = pattern.pattern

    @described({"type": "array", "items": item})
    def check(value: Any) -> str | None:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return "must be a list of strings"
        for item in value:
            if choices is not None and item not in choices:
                return f"{item!r} is not one of: {', '.join(choices)}"
            if pattern is not None and not pattern.fullmatch(item):
                return f"{item!r} is not an email address"
        return None

    return check


@described(
    {
        "type": "array",
        "minItems": 1,
        # 1 to 50 characters with at least one that is not a space, no commas
        "items": {"type": "string", "pattern": "^(?=[^,]*[^, \\t\\n\\r\\f\\v])[^,]{1,50}$"},
    }
)
def labels(value: Any) -> str | None:
    """The hub finds its issues by label, so there is at least one; GitHub allows 50 characters."""
    problem = list_of()(value)
    if problem or not value:
        return problem or "must list at least one label (the hub finds its issues by their labels)"
    if any(not label.strip(SPACE) or len(label) > 50 or "," in label for label in value):
        return "each label must be 1 to 50 characters, without commas"
    return None


def pattern_text(pattern: re.Pattern, what: str, *, max_length: int) -> Check:
    """A string that ``pattern`` matches whole (its JSON Schema pattern is the same, anchored)."""

    @described({"type": "string", "maxLength": max_length, "pattern": f"^(?:{pattern.pattern})$"})
    def check(value: Any) -> str | None:
        ok = isinstance(value, str) and len(value) <= max_length and pattern.fullmatch(value)
        return None if ok else f"must be {what}"

    return check


# The inputs the fixer responder sends itself (docs/fixer.md); ``fixer.inputs`` adds to them. GitHub takes
# at most 10 inputs in a workflow_dispatch, and refuses any the workflow file does not declare, so an input's
# name is checked there (the API's description, OpenAPI 3.0, cannot describe a mapping's keys either).
FIXER_INPUTS = ("run", "fix_job", "hub_url")
MAX_EXTRA_INPUTS = 10 - len(FIXER_INPUTS)


@described(
    {
        "type": "object",
        "maxProperties": MAX_EXTRA_INPUTS,
        "additionalProperties": {"type": "string", "maxLength": 1000},
        "not": {"anyOf": [{"required": [name]} for name in FIXER_INPUTS]},
    }
)
def fixer_inputs(value: Any) -> str | None:
    """Extra inputs of the fix workflow: string values, none of the hub's own."""
    if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
        return "must be a mapping of input names to strings"
    if len(value) > MAX_EXTRA_INPUTS:
        return f"at most {MAX_EXTRA_INPUTS} inputs (GitHub takes 10, and the hub sends {len(FIXER_INPUTS)})"
    for name, text in value.items():
        if name in FIXER_INPUTS:
            return f"{name!r} is sent by the hub itself; remove it"
        if not isinstance(name, str):
            return f"{name!r} is not an input name; quote it"
        if len(text) > 1000:
            return f"the value of {name!r} is longer than 1000 characters"
    return None


WORKFLOW = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_. /-]{0,199}")  # a workflow's file or name


@dataclass(frozen=True)
class Key:
    default: Any
    check: Check
    built: bool = True
    builds: str = ""  # for keys not built yet: what will use them, named in the "not yet" error


SCHEMA: dict[str, dict[str, Key]] = {
    "rerun": {
        "enabled": Key(True, boolean),
        "when": Key(list(RERUN_REASONS), list_of(RERUN_REASONS)),
        "max_per_run": Key(1, count),
        "max_per_day": Key(20, count),
        "verify_within_minutes": Key(360, positive),
    },
    "issues": {
        "flaky": Key(False, boolean),
        "broken": Key(False, boolean),
        "new_cluster_on_default_branch": Key(False, boolean),
        "cluster_quiet_days": Key(14, days),
        "labels": Key(["flaky-test"], labels),
        "max_per_hour": Key(10, count),
    },
    "notify": {
        "slack_webhook_url": Key("", https_url),
        "emails": Key([], list_of(pattern=EMAIL)),
        "pull_request_comment": Key(False, boolean),
        "when": Key(["failure"], list_of(tuple(EVENTS))),
    },
    "route": {
        "fixer": Key([], list_of(CATEGORIES)),
        "coding_agent": Key([], list_of(CATEGORIES)),
    },
    "agent": {
        "adapter": Key("", one_of("", *AGENT_ADAPTERS)),
        "organization": Key("", organization),
        "max_attempts": Key(3, count),
        "max_per_day": Key(10, count),
        "require_approval": Key(False, boolean),
        "timeout_minutes": Key(120, count),
        "max_rounds": Key(2, positive),
    },
    "fixer": {
        "workflow": Key(
            "orchestrate-fix.yml",
            pattern_text(
                WORKFLOW, "a workflow file or name (letters, digits, _ . / - and spaces)", max_length=200
            ),
        ),
        "ref": Key(
            "",
            pattern_text(
                re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_./-]{0,249})?"),
                "a branch or tag name, or empty (the failed run's branch)",
                max_length=250,
            ),
        ),
        "inputs": Key({}, fixer_inputs),
        "max_per_day": Key(10, count),
        "max_rounds": Key(2, positive),
    },
    # Read by the merge decision (hub/response/merge.py, MergeRules), acted on by services/merging.py;
    # approvals are read from the provider, flaky-fix re-runs asked by services/flaky_proof.py.
    "merge": {
        "enabled": Key(False, boolean),
        "require_checks": Key(True, boolean),
        "require_validate": Key(True, boolean),
        "allowed_paths": Key([], list_of()),
        "max_files": Key(10, count),
        "max_lines": Key(200, count),
        "approvals": Key(0, count),
        "flaky_max_runs": Key(100, positive),
    },
    # After the merge (services/deployments.py): the deployment a merged fix triggers and the health
    # watched after it; empty ``workflow`` and ``health_url``: no deployment. ``rollback`` is ``revert``
    # (a revert pull request) or the name of a rollback workflow.
    "deploy": {
        "workflow": Key(
            "",
            pattern_text(
                re.compile(f"(?:{WORKFLOW.pattern})?"),
                "a workflow file or name (letters, digits, _ . / - and spaces), or empty (no deployment run)",
                max_length=200,
            ),
        ),
        "ref": Key(
            "",
            pattern_text(
                re.compile(r"(?:[A-Za-z0-9_][A-Za-z0-9_./-]{0,249})?"),
                "a branch or tag name, or empty (the default branch)",
                max_length=250,
            ),
        ),
        "health_url": Key("", http_url),
        "watch_minutes": Key(30, positive),
        "failures_to_undo": Key(1, positive),  # health checks failed in a row (a flapping service: more)
        "run_timeout_minutes": Key(60, count),  # a deployment run not completed by then failed; 0: no limit
        "rollback": Key(
            "revert",
            pattern_text(WORKFLOW, "'revert' or a rollback workflow's file or name", max_length=200),
        ),
    },
}
VERSIONS = (1,)


def defaults() -> dict[str, dict[str, Any]]:
    """The policy of a project that has none: every key at its default."""
    return {
        section: {name: copy.deepcopy(key.default) for name, key in keys.items()}
        for section, keys in SCHEMA.items()
    }


def validate(document: Any) -> list[str]:
    """Every problem with ``document``, one line each, naming the key path; [] when it is valid."""
    if not isinstance(document, Mapping):
        return [f"the policy must be a mapping of sections ({', '.join(SCHEMA)})"]
    errors = []
    for section, body in document.items():
        if section == "version":
            if body not in VERSIONS:
                errors.append(f"version: must be one of {', '.join(map(str, VERSIONS))}")
            continue
        keys = SCHEMA.get(section)
        if keys is None:
            errors.append(f"{section}: unknown section; known: version, {', '.join(SCHEMA)}")
        elif not isinstance(body, Mapping):
            errors.append(f"{section}: must be a mapping of keys ({', '.join(keys)})")
        else:
            errors.extend(_section_errors(section, keys, body))
    return errors


def _section_errors(section: str, keys: dict[str, Key], body: Mapping) -> list[str]:
    errors = []
    for name, value in body.items():
        path = f"{section}.{name}"
        key = keys.get(name)
        if key is None:
            errors.append(f"{path}: unknown key; known in {section}: {', '.join(keys)}")
        elif problem := key.check(value):
            errors.append(f"{path}: {problem}")
        elif not key.built and value != key.default:
            errors.append(f"{path}: not yet: the hub does not build {key.builds} yet; remove the key")
    return errors


def openapi() -> dict[str, Any]:
    """The JSON Schema of a valid policy document: every section and key, each with the values its check
    takes; a key not built yet takes only its off default."""
    sections: dict[str, Any] = {"version": {"type": "integer", "enum": list(VERSIONS)}}
    for section, keys in SCHEMA.items():
        properties = {}
        for name, key in keys.items():
            fragment = dict(getattr(key.check, "json_schema", {}))
            if not key.built:
                fragment = {**fragment, "enum": [key.default]}
            properties[name] = fragment
        sections[section] = {"type": "object", "additionalProperties": False, "properties": properties}
    return {"type": "object", "additionalProperties": False, "properties": sections}


def effective(document: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A valid ``document`` with every key it leaves out at its default."""
    merged = defaults()
    for section, body in document.items():
        if section in merged:
            merged[section].update(copy.deepcopy(dict(body)))
    return merged
