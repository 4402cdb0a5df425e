"""Integration admin: secrets are write-only.

The form has a password input (never rendered back) per secret and a "clear" box; leaving the input
empty keeps what is stored. The page shows only whether each secret is set. The list links to the page
that imports projects from a provider (``admin_import``).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.urls import path

from hub.integrations.admin_import import import_view
from hub.integrations.models import SECRET_NAMES, Integration

LABELS = {
    "webhook_secret": "Webhook secret (GitHub HMAC secret, GitLab token, CircleCI signing secret)",
    "generic_secret": "Generic webhook secret (bearer token or HMAC key)",
    "api_token": "Provider API token (for re-runs, cancels and log fetching)",
}


def _write_only(name: str) -> forms.CharField:
    return forms.CharField(
        label=LABELS[name],
        required=False,
        strip=True,
        max_length=1000,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Write-only: leave empty to keep the stored value.",
    )


class IntegrationForm(forms.ModelForm):
    api_url = forms.URLField(
        required=False,
        assume_scheme="https",  # Django 6's default, today
        help_text=Integration._meta.get_field("api_url").help_text,
    )
    webhook_secret = _write_only("webhook_secret")
    clear_webhook_secret = forms.BooleanField(label="Clear it", required=False)
    generic_secret = _write_only("generic_secret")
    clear_generic_secret = forms.BooleanField(label="Clear it", required=False)
    api_token = _write_only("api_token")
    clear_api_token = forms.BooleanField(label="Clear it", required=False)

    class Meta:
        model = Integration
        fields = ("project", "generic_auth", "generic_signature_header", "api_url", "status_mapping")

    def clean(self):
        cleaned = super().clean()
        for name in SECRET_NAMES:
            if cleaned.get(name) and cleaned.get(f"clear_{name}"):
                self.add_error(f"clear_{name}", "Either type a new value or clear it, not both.")
        return cleaned

    def save(self, commit=True):
        integration = super().save(commit=False)
        for name in SECRET_NAMES:
            if self.cleaned_data.get(f"clear_{name}"):
                integration.set_secret(name, None)
            elif self.cleaned_data.get(name):
                integration.set_secret(name, self.cleaned_data[name])
        if commit:
            integration.save()
        return integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ("project", "webhook_secret_set", "generic_auth", "api_token_set", "updated_at")
    list_select_related = ("project",)
    search_fields = ("project__full_name",)
    autocomplete_fields = ("project",)
    readonly_fields = ("webhook_secret_set", "generic_secret_set", "api_token_set", "updated_at")
    fieldsets = (
        (None, {"fields": ("project",)}),
        (
            "Provider webhooks",
            {"fields": ("webhook_secret_set", "webhook_secret", "clear_webhook_secret")},
        ),
        (
            "Generic webhook",
            {
                "fields": (
                    "generic_auth",
                    "generic_signature_header",
                    "generic_secret_set",
                    "generic_secret",
                    "clear_generic_secret",
                    "status_mapping",
                )
            },
        ),
        ("Provider API", {"fields": ("api_url", "api_token_set", "api_token", "clear_api_token")}),
        (None, {"fields": ("updated_at",)}),
    )

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: import_view(self, request))
        return [path("import/", view, name="integrations_integration_import"), *super().get_urls()]

    @admin.display(boolean=True, description="webhook secret set")
    def webhook_secret_set(self, obj: Integration) -> bool:
        return obj.has_secret("webhook_secret")

    @admin.display(boolean=True, description="generic secret set")
    def generic_secret_set(self, obj: Integration) -> bool:
        return obj.has_secret("generic_secret")

    @admin.display(boolean=True, description="API token set")
    def api_token_set(self, obj: Integration) -> bool:
        return obj.has_secret("api_token")
