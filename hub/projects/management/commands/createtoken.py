"""``manage.py createtoken --user NAME [--read-only]``: a REST API token acting as that user.

Only the token goes to stdout, so a script can capture it; everything meant for a person goes to stderr.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from hub.projects import services


class Command(BaseCommand):
    help = "Create an API token for a user and print it (shown once; only the token goes to stdout)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", required=True, metavar="NAME", help="The username the token acts as.")
        parser.add_argument(
            "--read-only", action="store_true", help="Allow only safe methods (GET, HEAD, OPTIONS)."
        )
        parser.add_argument("--name", default="", help="A label to tell tokens apart in the admin.")

    def handle(self, *args, user: str, read_only: bool, name: str, **opts):
        try:
            account = services.find_user(user)
        except services.UnknownUser as exc:
            raise CommandError(str(exc)) from None
        token, plain = services.issue_api_token(account, read_only=read_only, name=name)
        access = "read-only" if token.read_only else "read-write"
        self.stderr.write(
            f"Created a {access} API token {token.display} for {account.get_username()}. It follows; it is "
            "shown once and cannot be recovered. Send it as: Authorization: Bearer <token>"
        )
        self.stdout.write(plain)
