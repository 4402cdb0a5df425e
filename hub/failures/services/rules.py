"""The rules that categorise a project's failures: the project's own, then the operator's file, then the
hub's built-in ones (the first match wins, so users override by coming first).

The operator's file (``FAILURE_RULES_FILE``) is checked when the hub starts (``FailuresConfig.ready``), so
a bad file stops the hub with the rule and the problem named. A project's rules live in its settings and
are edited at run time: a bad one is logged with the same detail and left out, so the project's failures
are still categorised by the other rules.
"""

from __future__ import annotations

import logging

from django.conf import settings

from agent.diagnosis.categories import RuleError, RuleSet, builtin_rules, load_file, project_rules
from hub.projects.models import Project

logger = logging.getLogger(__name__)

PROJECT_KEY = "failure_rules"


def operator_rules() -> RuleSet:
    """The rules in ``FAILURE_RULES_FILE`` (none when it is unset); raises ``RuleError`` when bad."""
    path = getattr(settings, "FAILURE_RULES_FILE", None)
    return load_file(path) if path else RuleSet()


def rules_for(project: Project) -> RuleSet:
    """Every rule that applies to ``project``, in the order they are tried."""
    own = RuleSet()
    raw = (project.settings or {}).get(PROJECT_KEY) if isinstance(project.settings, dict) else None
    if raw:
        try:
            own = project_rules(raw)
        except RuleError as exc:
            logger.error("project %s: its failure_rules are ignored: %s", project.full_name, exc)
    return own.combine(operator_rules(), builtin_rules())
