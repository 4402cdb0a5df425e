"""The hub connection flags shared by ``report`` and ``upload``, and how their values are resolved.

Precedence: flags, then ``ORCHESTRATE_HUB_URL`` / ``ORCHESTRATE_TOKEN`` (or ``ORCHESTRATE_TOKEN_FILE``),
then defaults. Without an agent token (or with ``--auth oidc``) the CI's OIDC ID token is used instead
(``obtain_token``, ``agent.oidc``). The token is never printed; on GitHub Actions it is masked before
anything else is.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from agent.commands.base import Runtime, UsageError

if TYPE_CHECKING:
    from agent.hub_client import HubClient, HubReply
    from agent.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("hub connection")
    group.add_argument("--hub", metavar="URL", help="the hub's base URL (env ORCHESTRATE_HUB_URL)")
    group.add_argument(
        "--token", metavar="TOKEN", help="an agent token (env ORCHESTRATE_TOKEN or ORCHESTRATE_TOKEN_FILE)"
    )
    group.add_argument(
        "--auth",
        choices=("auto", "token", "oidc"),
        help="how to authenticate: the agent token, the CI's OIDC token, or auto (the agent token when one "
        "is configured, else OIDC; env ORCHESTRATE_AUTH)",
    )
    group.add_argument(
        "--oidc-audience",
        metavar="AUD",
        help="the audience to ask the OIDC token for (env ORCHESTRATE_OIDC_AUDIENCE; default the hub URL)",
    )
    group.add_argument(
        "--timeout", type=_positive_float, metavar="SECONDS", help="per-request timeout (default 30)"
    )
    group.add_argument(
        "--retries", type=_non_negative_int, metavar="N", help="retries after the first try (default 4)"
    )


@dataclass(frozen=True)
class Connection:
    hub_url: str | None
    token: str | None
    timeout: float
    retries: int
    auth: str = "auto"
    oidc_audience: str | None = None
    oidc: bool = False  # the token is the CI's OIDC ID token
    auth_problem: str | None = None  # why there is no token, when OIDC was tried and failed

    def client(self, runtime: Runtime) -> HubClient:
        from agent.hub_client import HubClient

        assert self.hub_url is not None
        return HubClient(
            self.hub_url,
            self.token,
            timeout=self.timeout,
            retries=self.retries,
            sleep=runtime.sleep,
            on_retry=lambda problem, delay: runtime.err(f"{problem}; retrying in {delay:.1f} s"),
        )


def load_settings(runtime: Runtime) -> Settings:
    from agent.settings import Settings, SettingsError

    try:
        return Settings.from_env(runtime.env)
    except SettingsError as exc:
        raise UsageError(str(exc)) from None


def resolve(args: argparse.Namespace, settings: Settings) -> Connection:
    from agent.settings import SettingsError, check_url

    hub_url = settings.hub_url
    if args.hub:
        try:
            hub_url = check_url(args.hub, "--hub")
        except SettingsError as exc:
            raise UsageError(str(exc)) from None
    return Connection(
        hub_url=hub_url,
        token=args.token or settings.token,
        timeout=args.timeout if args.timeout is not None else settings.timeout,
        retries=args.retries if args.retries is not None else settings.retries,
        auth=args.auth or settings.auth,
        oidc_audience=args.oidc_audience or settings.oidc_audience,
    )


def obtain_token(conn: Connection, settings: Settings, runtime: Runtime) -> Connection:
    """The connection with the token to send: the agent token, or the CI's OIDC ID token when there is
    no agent token (``--auth auto``) or OIDC is asked for (``--auth oidc``). A failure to get the ID token
    is recorded in ``auth_problem`` (what to do about it), not raised: the caller decides."""
    from agent import oidc

    if conn.auth == "token" or (conn.auth == "auto" and conn.token):
        return conn
    if conn.auth == "auto" and not oidc.offered(runtime.env, settings.id_token_var):
        return conn
    audience = conn.oidc_audience or conn.hub_url
    if not audience:
        return replace(conn, token=None)  # no hub configured: the caller says so
    try:
        token = oidc.id_token(
            runtime.env, audience=audience, variable=settings.id_token_var, timeout=conn.timeout
        )
    except oidc.IdTokenUnavailable as exc:
        return replace(conn, token=None, auth_problem=exc.message)
    return replace(conn, token=token, oidc=True)


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return number


def _non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError("must be 0 or more")
    return number


def reply_summary(reply: HubReply) -> tuple[str | None, int | None, bool]:
    """``(run url, results, duplicate)`` from the hub's answer, tolerating missing keys."""
    body = reply.body
    run = body.get("run") if isinstance(body.get("run"), dict) else {}
    url = run.get("url") if isinstance(run.get("url"), str) else None
    results = body.get("results") if isinstance(body.get("results"), int) else None
    return url, results, reply.duplicate
