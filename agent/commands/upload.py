"""``orchestrate upload FILE...``: send report documents that ``orchestrate report`` saved earlier.

Each file is sent with the idempotency key stored beside it (``FILE.key``), the same key the first try
used, so a report the hub did receive after all is answered as a duplicate rather than counted twice.
This is the explicit retry, so it fails closed: the exit status is non-zero when any file is not
accepted. A file the hub accepted is deleted with its key.
"""

from __future__ import annotations

import argparse
from typing import Any

from agent.commands import connection
from agent.commands.base import ExitStatus, Runtime, UsageError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "upload",
        help="upload report documents saved by 'orchestrate report'",
        description="Upload gzip report documents that 'orchestrate report' saved when the hub could not be "
        "reached, with the idempotency key stored beside each (FILE.key).",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="saved report files (report-*.json.gz)")
    parser.add_argument("--idempotency-key", metavar="KEY", help="the key to send when FILE.key is missing")
    parser.add_argument("--keep", action="store_true", help="keep the files after a successful upload")
    parser.add_argument("--json", action="store_true", help="print one JSON document describing the result")
    connection.add_arguments(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace, runtime: Runtime) -> ExitStatus:
    import json
    from pathlib import Path

    from agent.hub_client import HubRejected, HubUnavailable
    from agent.upload import read_key, remove

    settings = connection.load_settings(runtime)
    conn = connection.obtain_token(connection.resolve(args, settings), settings, runtime)
    if settings.github_actions and conn.token:
        from agent.github_output import mask

        print(mask(conn.token), file=runtime.stderr if args.json else runtime.stdout)
    if not conn.hub_url:
        raise UsageError("no hub configured: pass --hub or set ORCHESTRATE_HUB_URL")
    if not conn.token:
        raise UsageError(conn.auth_problem or "no token: pass --token or set ORCHESTRATE_TOKEN")
    if len(args.files) > 1 and args.idempotency_key:
        raise UsageError("--idempotency-key applies to one file; pass a single FILE with it")

    client = conn.client(runtime)
    status = ExitStatus.OK
    results: list[dict[str, Any]] = []
    for name in args.files:
        path = Path(name)
        key = args.idempotency_key or read_key(path)
        entry: dict[str, Any] = {
            "path": name,
            "state": "",
            "http_status": None,
            "run_url": None,
            "message": None,
        }
        results.append(entry)
        if not path.is_file():
            entry.update(state="missing", message="no such file")
            runtime.err(f"error: {name}: no such file")
            status = max(status, ExitStatus.USAGE)
            continue
        if key is None:
            entry.update(state="missing_key", message=f"no key file {name}.key; pass --idempotency-key")
            runtime.err(f"error: {name}: {entry['message']}")
            status = max(status, ExitStatus.USAGE)
            continue
        try:
            reply = client.upload_report(path, key)
        except HubRejected as exc:
            entry.update(state="rejected", http_status=exc.status, message=exc.message)
            runtime.err(f"error: {name}: the hub refused the report ({exc.status}): {exc.message}")
            status = max(status, ExitStatus.HUB_REJECTED)
            continue
        except HubUnavailable as exc:
            entry.update(state="unavailable", http_status=exc.status, message=exc.message)
            runtime.err(f"error: {name}: not uploaded: {exc.message}")
            status = max(status, ExitStatus.UPLOAD_FAILED)
            continue
        run_url, _, duplicate = connection.reply_summary(reply)
        entry.update(
            state="duplicate" if duplicate else "uploaded", http_status=reply.status, run_url=run_url
        )
        if not args.json:
            said = "already on the hub" if duplicate else "uploaded"
            runtime.out(f"{name}: {said}{f' {run_url}' if run_url else ''}")
        if not args.keep:
            remove(path)
    if args.json:
        runtime.out(json.dumps({"files": results}, ensure_ascii=False))
    return ExitStatus(status)
