"""``manage.py importprojects``: projects from a GitHub organisation or user, or a GitLab group.

``--list`` shows the account's repositories; naming some (or ``--all``) imports them: each gets a project,
its first agent token (printed once), a webhook secret, and the webhook URL and events to select in the
provider's settings, or, with ``--create-webhooks``, the webhook created and pinged through the API. The
token is read from ``IMPORT_TOKEN`` or ``--token-file``, never from the command line (where ``ps`` shows it).
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from hub.integrations import imports
from hub.projects import services as projects

TOKEN_ENV = "IMPORT_TOKEN"  # noqa: S105 (the variable's name)


class Command(BaseCommand):
    help = "Import projects from a GitHub organisation or user, or a GitLab group (token in IMPORT_TOKEN)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("repositories", nargs="*", metavar="OWNER/NAME", help="Repositories to import.")
        parser.add_argument("--provider", required=True, choices=imports.IMPORTABLE)
        parser.add_argument(
            "--owner", required=True, help="The organisation or user login; GitLab: the group."
        )
        parser.add_argument(
            "--server-url", default="", help="GitHub Enterprise Server or self-managed GitLab."
        )
        parser.add_argument(
            "--token-file", type=Path, help=f"Read the token from this file, not {TOKEN_ENV}."
        )
        choice = parser.add_mutually_exclusive_group()
        choice.add_argument("--list", action="store_true", help="List the account's repositories and exit.")
        choice.add_argument("--all", action="store_true", help="Import every repository of the account.")
        parser.add_argument(
            "--create-webhooks", action="store_true", help="Create each webhook through the API and ping it."
        )
        parser.add_argument(
            "--project-owner", metavar="USERNAME", help="Make this user the new projects' owner."
        )

    def handle(self, *args, **options) -> None:
        source = imports.Source(
            provider=options["provider"],
            owner=options["owner"],
            token=self._token(options["token_file"]),
            server_url=options["server_url"],
        )
        names = options["repositories"]
        if options["list"] and names:
            raise CommandError("--list takes no repository names")
        if not options["list"] and not options["all"] and not names:
            raise CommandError("name the repositories to import (see --list), or pass --all")
        try:
            if options["list"]:
                for repo in imports.repositories(source):
                    self.stdout.write(
                        f"{repo.full_name}  {repo.default_branch}  {'private' if repo.private else 'public'}"
                    )
                return
            owner = projects.find_user(options["project_owner"]) if options["project_owner"] else None
            results = imports.import_projects(
                source, names, create_webhooks=options["create_webhooks"], owner=owner
            )
        except (imports.ImportRefused, projects.UnknownUser) as exc:
            raise CommandError(str(exc)) from None
        for result in results:
            self._show(result)
        if any(result.error for result in results):
            raise CommandError("some repositories were not imported completely; see above")

    def _token(self, path: Path | None) -> str:
        if path is not None:
            try:
                token = path.read_text("utf-8").strip()
            except OSError as exc:
                raise CommandError(f"--token-file: {exc.strerror}: {path}") from None
        else:
            token = os.environ.get(TOKEN_ENV, "").strip()
        if not token:
            raise CommandError(
                f"set {TOKEN_ENV} (or --token-file) to a token that can read the account's repositories "
                "(and manage their webhooks, for --create-webhooks)"
            )
        return token

    def _show(self, result: imports.Imported) -> None:
        write = self.stdout.write
        if result.error and result.project_id is None:
            self.stderr.write(f"{result.full_name}: not imported: {result.error}")
            return
        write(f"{result.full_name}: project {result.project_id} {'created' if result.created else 'exists'}")
        if result.agent_token:
            write(f"  agent token (shown once; the CI secret ORCHESTRATE_TOKEN): {result.agent_token}")
        write(f"  webhook URL: {result.webhook_url}")
        write(f"  events: {', '.join(result.events)}")
        if result.webhook_secret:
            write(f"  webhook secret (shown once; the webhook's secret): {result.webhook_secret}")
        if result.webhook != "not requested":
            ping = ", pinged" if result.pinged else ""
            write(f"  webhook: {result.webhook} (id {result.hook_id or '-'}){ping}")
        for note in result.notes:
            write(f"  note: {note}")
        if result.error:
            self.stderr.write(f"{result.full_name}: {result.error}")
