"""``run_completed``: sent once when a run first becomes completed, whoever completed it (a webhook,
reconciliation with the provider, the agent's report, or the idle sweep of ``services/completion.py``).

Sent after the transaction commits, with ``run_id`` (receivers re-read the run), through ``send_robust``:
a failing receiver is logged and cannot undo or fail what completed the run. The response apps hang their
work off it; runs never import them.
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

run_completed = Signal()  # sender=Run, run_id=int


def announce_completed(run_id: int) -> None:
    """Send ``run_completed`` for ``run_id`` once the current transaction commits."""
    from hub.runs.models import Run

    transaction.on_commit(lambda: run_completed.send_robust(sender=Run, run_id=run_id))
