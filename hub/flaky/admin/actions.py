"""The flaky-tests page's actions: quarantine, unquarantine and mark fixed, each confirmed on a page that
asks why (and, to quarantine, who owns the fix and until when).

Every change goes through ``hub.flaky.services.quarantine``, so the acting user is recorded like any other
change; a refusal (a test already quarantined, say) is shown and the other tests go on.
"""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone

from hub.flaky.services import quarantine as service


class QuarantineActionForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)
    owner = forms.CharField(max_length=200, required=False, help_text="Who is fixing it: a person or team.")
    expires_at = forms.DateTimeField(
        required=False, help_text="YYYY-MM-DD HH:MM; empty: QUARANTINE_DAYS from now."
    )

    def clean_expires_at(self) -> datetime | None:
        value = self.cleaned_data["expires_at"]
        if value is not None and value <= timezone.now():
            raise forms.ValidationError("The expiry is in the past: give a future date.")
        return value


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000)


def confirm(modeladmin, request, queryset, *, action: str, title: str, form_class, apply):
    """The intermediate page of an action: ask for a reason (and more), then ``apply(health, data)`` to
    each selected test and report what happened."""
    form = form_class(request.POST if "apply" in request.POST else None)
    if "apply" in request.POST and form.is_valid():
        done, refused = 0, []
        for health in queryset.select_related("test"):
            try:
                apply(health, form.cleaned_data)
                done += 1
            except service.QuarantineError as exc:
                refused.append(str(exc))
        if done:
            modeladmin.message_user(request, f"{title}: {done} test(s).", messages.SUCCESS)
        for problem in refused[:20]:
            modeladmin.message_user(request, problem, messages.WARNING)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "action": action,
        "form": form,
        "healths": queryset.select_related("test")[:200],
        "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
    }
    return TemplateResponse(request, "admin/flaky/testhealth/action_form.html", context)


@admin.action(description="Quarantine the selected tests", permissions=["change"])
def quarantine_tests(modeladmin, request, queryset):
    return confirm(
        modeladmin,
        request,
        queryset,
        action="quarantine_tests",
        title="Quarantine",
        form_class=QuarantineActionForm,
        apply=lambda health, data: service.quarantine(
            health.test,
            reason=data["reason"],
            owner=data["owner"],
            expires_at=data["expires_at"],
            user=request.user,
        ),
    )


@admin.action(description="Take the selected tests out of quarantine", permissions=["change"])
def unquarantine_tests(modeladmin, request, queryset):
    return confirm(
        modeladmin,
        request,
        queryset,
        action="unquarantine_tests",
        title="Out of quarantine",
        form_class=ReasonForm,
        apply=lambda health, data: service.unquarantine(
            health.test, reason=data["reason"], user=request.user
        ),
    )


@admin.action(description="Mark the selected tests fixed", permissions=["change"])
def mark_tests_fixed(modeladmin, request, queryset):
    return confirm(
        modeladmin,
        request,
        queryset,
        action="mark_tests_fixed",
        title="Marked fixed",
        form_class=ReasonForm,
        apply=lambda health, data: service.mark_fixed(health.test, reason=data["reason"], user=request.user),
    )
