"""``{% live_watch "run" run.pk %}``: marks a page as live (``hub.dashboard.live``) for ``live.js``."""

from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

from hub.dashboard.live import Watch, page_cursor

register = template.Library()


@register.simple_tag
def live_watch(kind: str, pk: int | None = None) -> str:
    watch = str(Watch(kind, int(pk)) if pk is not None else Watch("all"))
    query = urlencode({"watch": watch})
    return format_html(
        '<div hidden id="live" data-live-watch="{}" data-live-cursor="{}" data-live-stream="{}" '
        'data-live-poll="{}"></div><script src="{}" defer></script>',
        watch,
        page_cursor(),
        f"{reverse('dashboard:live-stream')}?{query}",
        f"{reverse('dashboard:live-changes')}?{query}",
        static("dashboard/live.js"),
    )
