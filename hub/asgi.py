"""ASGI entry point, for servers that prefer it."""

from django.core.asgi import get_asgi_application

from hub.startup import prepare

prepare()
application = get_asgi_application()
