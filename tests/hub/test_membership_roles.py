"""Who may act on a project (``may_operate``): owners and members, superusers; never read-only members
or people outside it. The dashboard's buttons and the API's writes share this one rule."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from hub.projects.models import Membership
from hub.projects.services import may_operate

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["owner", "teammate"])
def test_owners_and_members_may_act_on_their_project(project, request, persona):
    assert may_operate(project, request.getfixturevalue(persona))


def test_a_read_only_member_may_not_act(project, reader):
    assert not may_operate(project, reader)


def test_a_member_of_another_project_may_not_act(project, outsider):
    assert not may_operate(project, outsider)


def test_a_superuser_may_act_on_any_project(project):
    admin = get_user_model().objects.create_superuser("sam", password="pw-sam-123")

    assert may_operate(project, admin)


def test_nobody_signed_out_may_act(project):
    assert not may_operate(project, AnonymousUser())


def test_a_membership_made_without_a_role_is_a_member_who_may_act(project):
    """The default keeps what every membership meant before read-only members existed."""
    user = get_user_model().objects.create_user("nina")
    membership = Membership.objects.create(project=project, user=user)

    assert membership.role == Membership.Role.MEMBER
    assert may_operate(project, user)


def test_making_a_member_read_only_takes_their_actions_away(project, teammate):
    Membership.objects.filter(user=teammate).update(role=Membership.Role.READ_ONLY)

    assert not may_operate(project, teammate)
