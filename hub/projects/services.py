"""Workflows that create projects and tokens, shared by the admin and the management commands.

Views, admin actions and commands stay thin: they collect input, call one function here, and show the
plain token they get back. The plain token leaves this module exactly once, in the return value; only
its digest is stored (``hub.projects.tokens``).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from hub.projects.models import AgentToken, ApiToken, Membership, Project, Provider

FIRST_AGENT_LABEL = "first agent token"


def visible(queryset: QuerySet, user, project_path: str = "project") -> QuerySet:
    """``queryset`` limited to rows of projects ``user`` is a member of (superusers: everything).

    ``project_path`` is the lookup from the model to its project ("" for projects themselves). One join
    on memberships, no DISTINCT: a user has at most one membership per project.
    """
    if not user.is_authenticated:
        return queryset.none()
    if user.is_superuser:
        return queryset
    prefix = f"{project_path}__" if project_path else ""
    return queryset.filter(**{f"{prefix}memberships__user": user})


def is_owner(project: Project, user) -> bool:
    """Whether ``user`` owns ``project`` (superusers own everything): members read and operate, owners
    decide (the project's policy, responding to a run)."""
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or Membership.objects.filter(project=project, user=user, role=Membership.Role.OWNER).exists()
    )


def may_operate(project: Project, user) -> bool:
    """Whether ``user`` may act on ``project``: re-run, cancel, trigger, quarantine, steer fix jobs.
    Owners and members may (superusers too); read-only members and outsiders may not. The one rule
    behind the dashboard's buttons and the API's writes (``hub.api.permissions.require_operator``)."""
    if not user.is_authenticated:
        return False
    return (
        user.is_superuser
        or Membership.objects.filter(project=project, user=user, role__in=Membership.ACTING_ROLES).exists()
    )


def owned(projects: QuerySet, user) -> QuerySet:
    """``projects`` limited to those ``user`` owns (superusers: all): ``is_owner``'s rule in one query,
    for forms that offer only the projects a person may act on."""
    if not user.is_authenticated:
        return projects.none()
    if user.is_superuser:
        return projects
    return projects.filter(memberships__user=user, memberships__role=Membership.Role.OWNER)


class ProjectExists(Exception):
    """The full name is taken; projects are never silently reused, since their tokens would leak."""

    def __init__(self, full_name: str) -> None:
        super().__init__(f"Project {full_name} already exists.")
        self.full_name = full_name


class UnknownUser(Exception):
    def __init__(self, username: str) -> None:
        super().__init__(f"No user named {username!r}; create it first (manage.py createsuperuser).")
        self.username = username


def find_user(username: str):
    """The user called ``username``, or :class:`UnknownUser` with what to do about it."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise UnknownUser(username)
    return user


@transaction.atomic
def create_project(
    full_name: str,
    *,
    provider: str = Provider.GITHUB,
    default_branch: str = "main",
    server_url: str = "",
    owner=None,
) -> tuple[Project, str]:
    """Create a project (and its owner's membership) with a first agent token; return both.

    Raises ``ProjectExists`` when the name is taken and Django's ``ValidationError`` on a bad name,
    provider or server URL, so callers can tell people exactly what to change.
    """
    if Project.objects.filter(full_name=full_name).exists():
        raise ProjectExists(full_name)
    project = Project(
        full_name=full_name, provider=provider, default_branch=default_branch, server_url=server_url
    )
    project.full_clean()
    try:
        with transaction.atomic():
            project.save()
    except IntegrityError:  # created by someone else between the check and the insert
        raise ProjectExists(full_name) from None
    if owner is not None:
        Membership.objects.create(project=project, user=owner, role=Membership.Role.OWNER)
    _, plain = issue_agent_token(project, name=FIRST_AGENT_LABEL)
    return project, plain


def issue_agent_token(project: Project, *, name: str = "") -> tuple[AgentToken, str]:
    """A new upload token for ``project``; the plain text is in the return value and nowhere else."""
    token, plain = AgentToken.issue(project=project, name=name)
    return token, plain


def issue_api_token(user, *, read_only: bool = True, name: str = "") -> tuple[ApiToken, str]:
    """A new REST API token acting as ``user``; read-only tokens may only use safe methods."""
    token, plain = ApiToken.issue(user=user, read_only=read_only, name=name)
    return token, plain


def revoke_tokens(queryset) -> int:
    """Revoke the active tokens of a queryset in one UPDATE; return how many. Never undone."""
    return queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
