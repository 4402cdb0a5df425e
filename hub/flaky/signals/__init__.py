"""The signals of flakiness, computed from a test's executions: pure functions over plain data.

``detection.judge`` combines them into a verdict. Each function answers one question about a test's recent
history (which jobs retried a failure into a pass, which commits both passed and failed, which
default-branch failures stood alone, which failure runs look like a regression, how likely a failure is)
so each can be read, tested and tuned on its own. One module per family: ``executions`` (the rows grouped,
and ``Rules``, every threshold), ``rates``, ``same_commit``, ``default_branch``, ``mended`` and
``regressions``; everything is re-exported here, so callers write ``signals.same_commit(...)``.
"""

from hub.flaky.signals.default_branch import isolated_failures, lone_latest
from hub.flaky.signals.executions import (
    DEFAULT_RULES,
    FAILED_STATUSES,
    PASSED,
    Execution,
    Outcome,
    Rules,
    executions,
    is_infrastructure,
    newest,
)
from hub.flaky.signals.mended import Mended, mended_failures
from hub.flaky.signals.rates import (
    Aggregates,
    aggregates,
    changepoint,
    clean_runs_needed,
    fix_runs_needed,
    posterior,
    rate_had,
    score,
)
from hub.flaky.signals.regressions import broken_streak, episodes, regression_episodes
from hub.flaky.signals.same_commit import same_commit

__all__ = [
    "DEFAULT_RULES",
    "FAILED_STATUSES",
    "PASSED",
    "Aggregates",
    "Execution",
    "Mended",
    "Outcome",
    "Rules",
    "aggregates",
    "broken_streak",
    "changepoint",
    "clean_runs_needed",
    "episodes",
    "executions",
    "fix_runs_needed",
    "is_infrastructure",
    "isolated_failures",
    "lone_latest",
    "mended_failures",
    "newest",
    "posterior",
    "rate_had",
    "regression_episodes",
    "same_commit",
    "score",
]
