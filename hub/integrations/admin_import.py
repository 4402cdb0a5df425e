"""The admin page that imports projects from a GitHub organisation or user, or a GitLab group.

"List" shows the account's repositories and fills the form with their names; "Import" makes projects of
the names left in it (``hub.integrations.imports``), and the page shows, once, each new project's agent
token and webhook secret beside its webhook URL and events, or what was done at the provider. The token is
never rendered back: it is typed again for each step. It needs the permission to add projects.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from hub.integrations import imports
from hub.projects.models import Provider


class ImportForm(forms.Form):
    provider = forms.ChoiceField(choices=[(p, Provider(p).label) for p in imports.IMPORTABLE])
    owner = forms.RegexField(
        regex=r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*\Z",
        max_length=255,
        help_text="The organisation or user login; GitLab: the group path (subgroups included).",
    )
    token = forms.CharField(
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Reads the repositories (and manages hooks, to create them); typed again for each step.",
    )
    server_url = forms.URLField(
        required=False, assume_scheme="https", help_text="GitHub Enterprise Server or self-managed GitLab."
    )
    repositories = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="One OWNER/NAME a line; all of the account's when empty. 'List' fills it.",
    )
    create_webhooks = forms.BooleanField(required=False, help_text="Create each webhook and ping it.")

    def source(self) -> imports.Source:
        data = self.cleaned_data
        return imports.Source(data["provider"], data["owner"], data["token"], data["server_url"] or "")

    def names(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["repositories"].splitlines() if line.strip()]


def import_view(model_admin: admin.ModelAdmin, request):
    if not request.user.has_perm("projects.add_project"):
        raise PermissionDenied
    form = ImportForm(request.POST or None)
    context = {**model_admin.admin_site.each_context(request), "title": "Import projects", "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            if "list" in request.POST:
                listed = imports.repositories(form.source())
                context["listed"] = listed
                names = "\n".join(repo.full_name for repo in listed)
                initial = {**form.cleaned_data, "token": "", "repositories": names}
                context["form"] = ImportForm(initial=initial)
            else:
                context["results"] = imports.import_projects(
                    form.source(), form.names(), create_webhooks=form.cleaned_data["create_webhooks"],
                    owner=request.user,
                )  # fmt: skip
        except imports.ImportRefused as refusal:
            context["refusal"] = str(refusal)
    return TemplateResponse(request, "admin/integrations/import.html", context)
