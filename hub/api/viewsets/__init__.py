"""The read API's views, one module per resource; ``base`` holds what they share (scoping, throttling).

``openapi`` is imported here so its schema extensions are registered whenever the routes are loaded.
"""

from hub.api.viewsets import openapi  # noqa: F401  (registers drf-spectacular extensions)
