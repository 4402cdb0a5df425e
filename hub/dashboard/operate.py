"""Who may press which button, and a workflow's inputs as typed into the trigger form.

The rule is the API's, from the same functions: owners and members of a project may re-run, cancel,
trigger, quarantine and steer fix jobs (``may_operate``; the views refuse with the API's
``require_operator``), read-only members may not; only its owners may ask the hub to respond to a run now
(``is_owner``, which the API's ``require_owner`` applies too). Buttons a reader may not press are not
shown, and a POST from them is answered 403.
"""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied

from hub.projects.models import Project
from hub.projects.services import is_owner
from hub.response.machine import ALLOWED
from hub.response.models import FixJob, FixState

MAX_INPUTS = 10  # GitHub's workflow_dispatch takes at most 10 inputs
INPUT_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"


def may_respond(user, project: Project) -> bool:
    return is_owner(project, user)


def may_retry(job: FixJob) -> bool:
    """A fix job (or a task's) can be tried again from the states that may go back to pending."""
    return job.state in ALLOWED[FixState.PENDING] - {FixState.RUNNING}


def may_cancel(job: FixJob) -> bool:
    return job.state in ALLOWED[FixState.CANCELLED]


def require(allowed: bool, what: str) -> None:
    """403 unless ``allowed``; ``what`` completes "Only ... may"."""
    if not allowed:
        raise PermissionDenied(f"Only {what}; ask a project owner.")


class BadInputs(ValueError):
    pass


def parse_inputs(text: str) -> dict[str, str]:
    """``name=value`` lines (blank lines skipped) as a workflow's inputs; BadInputs saying which line is
    wrong and how to write it."""
    inputs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not re.fullmatch(INPUT_NAME, name):
            raise BadInputs(f"Line {number} of the inputs is not name=value: write one input a line.")
        if name in inputs:
            raise BadInputs(f"Input {name!r} is given twice: keep one.")
        inputs[name] = value.strip()
    if len(inputs) > MAX_INPUTS:
        raise BadInputs(f"{len(inputs)} inputs given; a workflow takes at most {MAX_INPUTS}.")
    return inputs
