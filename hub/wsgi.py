"""WSGI entry point: ``gunicorn hub.wsgi`` (gunicorn.conf.py checks the settings once, in the master)."""

from django.core.wsgi import get_wsgi_application

from hub.startup import prepare

prepare()
application = get_wsgi_application()
