"""Which kind of failure this is: rules from a data file, tried in order, the first match wins.

Pure: no ORM, no settings, no Django: the hub categorises test failures and job logs with it, and
``orchestrate diagnose`` a log on a laptop. Callers pass the rules (``RuleSet``); ``builtin_rules()`` are
Orchestrate's own (``rules.yml`` beside this module) and users put theirs in front with
``RuleSet.combine``. Rules are data so teams can teach the hub their own tools' messages without a
release; a rule file that is wrong raises ``RuleError`` naming the file, the rule and the problem, never
a half-loaded rule set.

Rules are compiled once and cached: the built-in file per process, a user's file until it changes, a
project's rules per distinct value. Every input is bounded before a regular expression sees it: a test's
message, type and trace are cut to a few kilobytes, and a job log is read from its end (where the error
usually is), at most ``LOG_TAIL_BYTES``, so a multi-megabyte log costs the same as a small one. Most
patterns carry a piece of plain text that every match contains, so a plain substring test rules them out
before any regex scan.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

# The categories a rule may name; hub.failures.models.Category holds the same values (a test keeps them
# in step) with their labels.
CATEGORIES = (
    "import",
    "syntax",
    "lint",
    "type_check",
    "assertion",
    "timeout",
    "out_of_memory",
    "network",
    "dependency",
    "infrastructure",
    "unknown",
)
UNKNOWN = "unknown"
FIELDS = ("message", "type", "trace", "log")
RULE_KEYS = frozenset({"name", "category", "priority", "description", *FIELDS})
BUILTIN_FILE = Path(__file__).with_name("rules.yml")

MESSAGE_LIMIT = 8 * 1024
TYPE_LIMIT = 1000
TRACE_LIMIT = 16 * 1024  # the head and the tail of a longer trace (Java puts the cause on top, Python last)
LOG_TAIL_BYTES = 256 * 1024
EXCERPT_LINES = 3  # lines kept either side of the matching line
EXCERPT_LIMIT = 2000


class RuleError(ValueError):
    """A rule file or a project's rules that cannot be used, with where and why."""


@dataclass(frozen=True, slots=True)
class Match:
    """The category a failure belongs to and the rule that said so ("" when no rule matched)."""

    category: str
    rule: str = ""


@dataclass(frozen=True, slots=True)
class LogMatch:
    """A job log's category, its rule, and the lines around the match (bounded)."""

    category: str
    rule: str = ""
    excerpt: str = ""


NO_MATCH = Match(UNKNOWN)


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled regular expression and a piece of plain text every match contains (when it has one):
    ``literal in text`` is far cheaper than a regex scan, so most patterns are ruled out without one."""

    regex: re.Pattern[str]
    literal: str | None = None

    @classmethod
    def compile(cls, source: str) -> Pattern:
        regex = re.compile(source)
        return cls(regex, _required_literal(regex))

    def search(self, text: str) -> re.Match[str] | None:
        if self.literal is not None and self.literal not in text:
            return None
        return self.regex.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        if self.literal is not None and self.literal not in text:
            return iter(())
        return self.regex.finditer(text)


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    category: str
    message: tuple[Pattern, ...] = ()
    type: tuple[Pattern, ...] = ()
    trace: tuple[Pattern, ...] = ()
    log: tuple[Pattern, ...] = ()
    priority: int = 0
    log_patterns: tuple[Pattern, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        # A job log prints what tests report, so without ``log`` patterns a rule reads logs with its
        # message and trace ones.
        object.__setattr__(self, "log_patterns", self.log or tuple(dict.fromkeys(self.message + self.trace)))

    def matches(self, message: str, failure_type: str, trace: str) -> bool:
        return _found(self.type, failure_type) or _found(self.message, message) or _found(self.trace, trace)


@dataclass(frozen=True, slots=True)
class RuleSet:
    """Rules in the order they are tried."""

    rules: tuple[Rule, ...] = ()

    def combine(self, *later: RuleSet) -> RuleSet:
        """This set's rules first, then each of ``later``'s."""
        return RuleSet(self.rules + tuple(rule for other in later for rule in other.rules))

    def categorise(self, message: str | None, failure_type: str | None, trace: str | None) -> Match:
        message = (message or "")[:MESSAGE_LIMIT]
        failure_type = (failure_type or "").strip()[:TYPE_LIMIT]
        trace = _head_and_tail(trace or "", TRACE_LIMIT)
        for rule in self.rules:
            if rule.matches(message, failure_type, trace):
                return Match(rule.category, rule.name)
        return NO_MATCH

    def categorise_log(self, text: str | bytes | None, *, tail_bytes: int = LOG_TAIL_BYTES) -> LogMatch:
        tail = _log_tail(text or "", tail_bytes)
        for rule in self.rules:
            found = _last_match(rule.log_patterns, tail)
            if found is not None:
                return LogMatch(rule.category, rule.name, _excerpt(tail, found))
        return LogMatch(UNKNOWN)


def categorise(
    message: str | None, failure_type: str | None, trace: str | None, rules: RuleSet | None = None
) -> Match:
    """The category of one failed test, from its message, failure type and trace."""
    return (rules or builtin_rules()).categorise(message, failure_type, trace)


def categorise_log(text: str | bytes | None, rules: RuleSet | None = None) -> LogMatch:
    """The category of a failed job from its log, read from the end and bounded to ``LOG_TAIL_BYTES``."""
    return (rules or builtin_rules()).categorise_log(text)


@lru_cache(maxsize=1)
def builtin_rules() -> RuleSet:
    return load_file(BUILTIN_FILE)


def load_file(path: str | Path) -> RuleSet:
    """The rules in a YAML file (a mapping with ``rules:``, or the list itself)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise RuleError(f"failure rules file {path} cannot be read: {exc.strerror}") from None
    return _load_file_cached(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _load_file_cached(path: str, mtime_ns: int, size: int) -> RuleSet:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"failure rules file {path} cannot be read: {exc}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RuleError(f"failure rules file {path} is not valid YAML: {exc}") from None
    if isinstance(document, Mapping):
        unknown = set(document) - {"version", "rules"}
        if unknown:
            raise RuleError(f"failure rules file {path}: unknown top-level key(s) {sorted(unknown)}")
        if document.get("version", 1) != 1:
            raise RuleError(f"failure rules file {path}: version must be 1")
        document = document.get("rules")
    return load_rules(document, source=f"failure rules file {path}")


def load_rules(rules: Any, *, source: str) -> RuleSet:
    """Validate and compile a list of rule mappings (as read from YAML or a project's JSON settings)."""
    if rules is None:
        return RuleSet()
    if not isinstance(rules, Sequence) or isinstance(rules, str | bytes):
        raise RuleError(f"{source}: expected a list of rules, got {type(rules).__name__}")
    compiled: list[Rule] = []
    names: set[str] = set()
    for index, raw in enumerate(rules):
        rule = _compile_rule(raw, f"{source}: rule {index + 1}")
        if rule.name in names:
            raise RuleError(f"{source}: rule {index + 1} ({rule.name!r}): the name is used twice")
        names.add(rule.name)
        compiled.append(rule)
    # Higher priority first; sorted() is stable, so equal priorities keep the file's order.
    return RuleSet(tuple(sorted(compiled, key=lambda rule: -rule.priority)))


@lru_cache(maxsize=256)
def _project_rules_cached(key: str) -> RuleSet:
    return load_rules(json.loads(key), source="project failure_rules")


def project_rules(rules: Any) -> RuleSet:
    """A project's own rules (``Project.settings["failure_rules"]``), compiled once per distinct value."""
    if not rules:
        return RuleSet()
    try:
        key = json.dumps(rules, sort_keys=True)
    except (TypeError, ValueError):
        raise RuleError("project failure_rules: must be a list of rules as JSON values") from None
    return _project_rules_cached(key)


def _compile_rule(raw: Any, where: str) -> Rule:
    if not isinstance(raw, Mapping):
        raise RuleError(f"{where}: a rule is a mapping with name, category and patterns")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        raise RuleError(f"{where}: 'name' must be a non-empty string of at most 200 characters")
    where = f"{where} ({name!r})"
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {sorted(unknown)}; a rule has {sorted(RULE_KEYS)}")
    category = raw.get("category")
    if category not in CATEGORIES:
        raise RuleError(f"{where}: 'category' is {category!r}; use one of {', '.join(CATEGORIES)}")
    priority = raw.get("priority", 0)
    if not isinstance(priority, int) or isinstance(priority, bool):
        raise RuleError(f"{where}: 'priority' must be an integer")
    patterns = {field: _compile_patterns(raw.get(field), f"{where}: '{field}'") for field in FIELDS}
    if not any(patterns.values()):
        raise RuleError(f"{where}: give at least one of {', '.join(FIELDS)} (a regular expression)")
    return Rule(name=name.strip(), category=category, priority=priority, **patterns)


def _compile_patterns(value: Any, where: str) -> tuple[Pattern, ...]:
    if value is None:
        return ()
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, Sequence) or not all(isinstance(item, str) and item for item in items):
        raise RuleError(f"{where} must be a regular expression or a list of them (non-empty strings)")
    compiled = []
    for item in items:
        try:
            compiled.append(Pattern.compile(item))
        except re.error as exc:
            raise RuleError(f"{where}: {item!r} is not a valid regular expression: {exc}") from None
    return tuple(compiled)


def _found(patterns: Iterable[Pattern], text: str) -> bool:
    return bool(text) and any(pattern.search(text) for pattern in patterns)


def _required_literal(regex: re.Pattern[str]) -> str | None:
    """The longest run of plain characters at the top level of ``regex`` (so in every match), if at least
    three long; None when there is none, or the pattern ignores case."""
    if regex.flags & re.IGNORECASE:
        return None
    try:
        from re import _constants, _parser  # the standard library's own regex parser (3.11+)

        parsed = _parser.parse(regex.pattern, regex.flags)
    except Exception:  # a private module: without it, every pattern is simply searched
        return None
    best = current = ""
    for op, argument in parsed:
        if op is _constants.LITERAL:
            current += chr(argument)
            continue
        best = max(best, current, key=len)
        current = ""
    best = max(best, current, key=len)
    return best if len(best) >= 3 else None


def _head_and_tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n{text[-half:]}"


def _log_tail(text: str | bytes, limit: int) -> str:
    """The last ``limit`` bytes of a log as text, starting at a whole line when it was cut."""
    if isinstance(text, bytes):
        cut = len(text) > limit
        tail = text[-limit:].decode("utf-8", errors="replace")
    else:
        cut = len(text) > limit  # characters, an upper bound of bytes only for ASCII; close enough to bound
        tail = text[-limit:]
    if cut:
        newline = tail.find("\n")
        if 0 <= newline < len(tail) - 1:
            tail = tail[newline + 1 :]
    return tail


def _last_match(patterns: Iterable[Pattern], text: str) -> re.Match[str] | None:
    """The match that ends last in ``text`` among ``patterns`` (the error nearest the end of a log)."""
    best = None
    for pattern in patterns:
        for best_here in pattern.finditer(text):
            if best is None or best_here.end() > best.end():
                best = best_here
    return best


def _excerpt(text: str, found: re.Match[str]) -> str:
    """The matching lines with ``EXCERPT_LINES`` either side, at most ``EXCERPT_LIMIT`` characters."""
    start = text.rfind("\n", 0, found.start()) + 1
    for _ in range(EXCERPT_LINES):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    end = found.end()
    for _ in range(EXCERPT_LINES + 1):
        newline = text.find("\n", end)
        if newline < 0:
            end = len(text)
            break
        end = newline + 1
    excerpt = text[start:end].strip("\n")
    if len(excerpt) > EXCERPT_LIMIT:
        begin = max(0, min(found.start() - start - EXCERPT_LIMIT // 2, len(excerpt) - EXCERPT_LIMIT))
        excerpt = excerpt[begin : begin + EXCERPT_LIMIT]
    return excerpt
