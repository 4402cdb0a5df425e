"""``manage.py createproject OWNER/NAME --provider github``: a project and its first agent token.

Only the token goes to stdout, so a script can capture it (``TOKEN=$(manage.py createproject ...)``);
everything meant for a person goes to stderr.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from hub.projects import services
from hub.projects.models import Provider


class Command(BaseCommand):
    help = "Create a project and print its first agent token (shown once; only the token goes to stdout)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "full_name", metavar="OWNER/NAME", help="The repository as the provider names it."
        )
        parser.add_argument("--provider", required=True, choices=Provider.values, help="The CI/SCM provider.")
        parser.add_argument("--default-branch", default="main", help="Default: main.")
        parser.add_argument(
            "--server-url",
            default="",
            help="Base URL of a GitHub Enterprise or self-managed GitLab instance.",
        )
        parser.add_argument("--owner", metavar="USERNAME", help="Make this user the project's owner.")

    def handle(
        self, *args, full_name: str, provider: str, default_branch: str, server_url: str, owner, **opts
    ):
        try:
            user = services.find_user(owner) if owner else None
            project, plain = services.create_project(
                full_name, provider=provider, default_branch=default_branch, server_url=server_url, owner=user
            )
        except (services.ProjectExists, services.UnknownUser) as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            problems = "; ".join(f"{field}: {' '.join(errors)}" for field, errors in exc.message_dict.items())
            raise CommandError(f"Cannot create {full_name}: {problems}") from None
        self.stderr.write(
            f"Created project {project.full_name} (id {project.pk}). Its agent token follows; it is shown "
            "once and cannot be recovered. Store it as the CI secret ORCHESTRATE_TOKEN."
        )
        self.stdout.write(plain)
