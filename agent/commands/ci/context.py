"""``orchestrate ci context``: a run's failure context from the hub, as Markdown or JSON.

Unlike the other ``ci`` commands it asks the Orchestrate hub, not the CI: the hub holds the analysed
failures, the flaky verdicts and the logs. It connects like ``report`` does (``--hub``/``--token`` or
``ORCHESTRATE_HUB_URL``/``ORCHESTRATE_TOKEN``; the CI's OIDC token when there is no agent token) and speaks
the ``ci`` exit statuses: 0 printed, 1 the hub refused or could not be reached, 2 bad usage, 4
authentication needed. What it prints goes through ``agent.redact`` once more, so a secret cannot reach
the terminal even from a hub that did not redact it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from agent.commands import connection
from agent.commands.base import ExitStatus, Runtime, UsageError
from agent.commands.ci import output

if TYPE_CHECKING:
    from agent.hub_client import HubRejected

AUTH_HINT = (
    "set ORCHESTRATE_TOKEN (or pass --token) to the project's agent token (orch_a_...) or to your API "
    "token (orch_u_..., created in the hub's admin)"
)


def run(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    run_id = _run_id(args)
    settings = connection.load_settings(runtime)
    conn = connection.resolve(args, settings)
    if not conn.hub_url:
        raise UsageError("no hub to ask: pass --hub URL or set ORCHESTRATE_HUB_URL")
    conn = connection.obtain_token(conn, settings, runtime)
    if not conn.token:
        runtime.err(f"error: no token for the hub at {conn.hub_url}")
        runtime.err(f"hint: {conn.auth_problem or AUTH_HINT}")
        return ExitStatus.AUTH_REQUIRED

    from agent.hub_client import HubRejected, HubUnavailable
    from agent.redact import redact, redact_all

    try:
        reply = conn.client(runtime).get_run_context(run_id, markdown=not args.json)
    except HubRejected as exc:
        return _refused(exc, run_id, conn.hub_url, runtime)
    except HubUnavailable as exc:
        runtime.err(f"error: {exc.message}")
        runtime.err("hint: check ORCHESTRATE_HUB_URL (or --hub) and that the hub is up; then run this again")
        return ExitStatus.RUN_FAILED
    if args.json:
        runtime.out(output.dumps(redact_all(reply.body)))
    else:
        runtime.stdout.write(redact(reply.text))
    return ExitStatus.OK


def _run_id(args: argparse.Namespace) -> int:
    given = {value.strip() for value in (args.run, args.run_option) if value and value.strip()}
    if len(given) > 1:
        raise UsageError(f"two different runs given ({' and '.join(sorted(given))}); give one")
    if not given:
        raise UsageError(
            "no run id: give the hub's run id as an argument (orchestrate ci context 4242) or with --run; "
            "the hub's runs API lists them (GET /api/v1/runs/?project=OWNER/NAME)"
        )
    value = given.pop()
    if not value.isdigit():
        raise UsageError(f"run id {value!r}: expected the hub's run id, a whole number such as 4242")
    return int(value)


def _refused(exc: HubRejected, run_id: int, hub_url: str, runtime: Runtime) -> ExitStatus:
    status = exc.status
    runtime.err(f"error: the hub refused ({status}): {exc.message}")
    if status in (401, 403):
        runtime.err(f"hint: {AUTH_HINT}")
        return ExitStatus.AUTH_REQUIRED
    if status == 404:
        runtime.err(
            f"hint: no run {run_id} at {hub_url} that this token may read; the id is the hub's "
            "(GET /api/v1/runs/?project=OWNER/NAME lists them), not the CI's"
        )
    return ExitStatus.RUN_FAILED
