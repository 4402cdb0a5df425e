"""``text/markdown`` answers, for endpoints that have a document to read (a run's failure context).

Chosen with ``Accept: text/markdown`` or ``?format=md``. An error answer is a dict in our error shape
(``hub.api.errors``); it becomes one line, ``error: MESSAGE``, so a script printing the body shows why.
"""

from __future__ import annotations

from typing import Any

from rest_framework.renderers import BaseRenderer


class MarkdownRenderer(BaseRenderer):
    media_type = "text/markdown"
    format = "md"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> bytes:
        if isinstance(data, str):
            return data.encode(self.charset)
        error = data.get("error") if isinstance(data, dict) else None
        message = error.get("message") if isinstance(error, dict) else data
        return f"error: {message}\n".encode(self.charset)
