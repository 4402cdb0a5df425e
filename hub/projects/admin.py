"""Operator pages for projects, memberships and tokens.

A new agent token is shown once, on the page that answers the request creating it (marked no-store),
and never put in a message: messages sit in the session or a cookie until shown. Tokens are never
edited or deleted here, only renamed and revoked, and their digest is not displayed.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from hub.projects import services
from hub.projects.models import AgentToken, ApiToken, Membership, Project

TOKEN_FIELDS = ("display", "name", "created_at", "last_used_at", "revoked_at")


def show_new_tokens(request, model_admin: admin.ModelAdmin, issued: list[tuple[Project, str]]):
    """The one page that ever shows these plain tokens; nothing keeps them after it is sent."""
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": "New agent token" if len(issued) == 1 else "New agent tokens",
        "issued": issued,
        "changelist_url": reverse("admin:projects_project_changelist"),
    }
    response = TemplateResponse(request, "admin/projects/project/agent_token_created.html", context)
    add_never_cache_headers(response)
    return response


class MembershipInline(admin.TabularInline):
    model = Membership
    autocomplete_fields = ("user",)
    extra = 0


class AgentTokenInline(admin.TabularInline):
    model = AgentToken
    fields = TOKEN_FIELDS
    readonly_fields = TOKEN_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("full_name", "provider", "default_branch", "created_at")
    list_filter = ("provider",)
    search_fields = ("full_name",)
    fields = ("full_name", "provider", "server_url", "default_branch", "settings", "created_at")
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, AgentTokenInline)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}  # Django 6's default, today
    actions = ("create_agent_tokens",)

    @admin.action(description="Create an agent token for each selected project", permissions=("change",))
    def create_agent_tokens(self, request, queryset):
        issued = [(project, services.issue_agent_token(project)[1]) for project in queryset]
        return show_new_tokens(request, self, issued)

    def get_urls(self):
        create = self.admin_site.admin_view(require_POST(self.create_agent_token_view))
        own = [path("<int:project_id>/agent-token/", create, name="projects_project_agent_token")]
        return own + super().get_urls()

    def create_agent_token_view(self, request, project_id: int):
        project = get_object_or_404(Project, pk=project_id)
        if not self.has_change_permission(request, project):
            raise PermissionDenied
        _, plain = services.issue_agent_token(project, name=request.POST.get("name", "")[:100])
        return show_new_tokens(request, self, [(project, plain)])


class TokenAdmin(admin.ModelAdmin):
    """Tokens are listed and renamed here; created by their workflows; revoked, never deleted."""

    list_display = ("display", "name", "created_at", "last_used_at", "is_active")
    search_fields = ("name", "=lookup_id")
    search_help_text = "A token's name, or its lookup id (the 12 characters after orch_a_ or orch_u_)."
    date_hierarchy = "created_at"
    actions = ("revoke",)

    @admin.display(boolean=True, description="active")
    def is_active(self, token) -> bool:
        return token.is_active

    @admin.action(description="Revoke selected tokens", permissions=("change",))
    def revoke(self, request, queryset):
        count = services.revoke_tokens(queryset)
        self.message_user(request, f"Revoked {count} token(s).", messages.SUCCESS)

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AgentToken)
class AgentTokenAdmin(TokenAdmin):
    list_display = (*TokenAdmin.list_display[:2], "project", *TokenAdmin.list_display[2:])
    list_filter = ("project",)
    list_select_related = ("project",)
    search_fields = (*TokenAdmin.search_fields, "project__full_name")
    fields = ("display", "name", "project", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("display", "project", "created_at", "last_used_at", "revoked_at")


@admin.register(ApiToken)
class ApiTokenAdmin(TokenAdmin):
    list_display = (*TokenAdmin.list_display[:2], "user", "read_only", *TokenAdmin.list_display[2:])
    list_filter = ("read_only",)
    list_select_related = ("user",)
    search_fields = (*TokenAdmin.search_fields, "user__username")
    fields = ("display", "name", "user", "read_only", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("display", "user", "read_only", "created_at", "last_used_at", "revoked_at")
