"""Who may do what through the API (and the dashboard's buttons), beyond "is authenticated".

Which *rows* a person sees is decided by scoping querysets to their projects (``hub.api.viewsets.base``),
so another team's run is a 404, not a 403: the API does not confirm that it exists.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from hub.projects.models import ApiToken
from hub.projects.services import may_operate


class TokenAllowsMethod(BasePermission):
    """A read-only API token may only use safe methods; sessions and read-write tokens are not limited.

    Checked before the view picks a handler, so a read-only token gets 403 even where the method would
    otherwise be 405: the answer depends on the token, not on which endpoints happen to accept writes.
    """

    message = "This API token is read-only; create a read-write token to change data."
    code = "read_only_token"

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in SAFE_METHODS
        return True


def require_owner(project, user, what: str) -> None:
    """PermissionDenied unless ``user`` owns ``project`` (or is a superuser): members read, owners decide.
    ``what`` completes "Only the project's owners may ..."."""
    from rest_framework.exceptions import PermissionDenied

    from hub.projects.services import is_owner

    if not is_owner(project, user):
        raise PermissionDenied(f"Only the project's owners may {what}; ask one.")


def require_operator(project, user, what: str) -> None:
    """403 unless ``user`` may act on ``project`` (``may_operate``: owners and members, not read-only
    members). The API's write endpoints and the dashboard's buttons both call this, so one rule and one
    message answer a read-only member wherever they post. ``what`` completes "... may not ...".

    Django's ``PermissionDenied``: the dashboard renders it as its 403 page, the API's exception handler
    as its error body, each with this message."""
    if not may_operate(project, user):
        raise PermissionDenied(
            f"You are a read-only member of {project}: you may not {what}; ask one of its owners to make "
            "you a member."
        )
