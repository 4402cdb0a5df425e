"""gunicorn's settings for the hub, read from the working directory (the checkout, or the hub image's).

The hub's settings are loaded here, in gunicorn's master before it binds or forks: a bad or missing
variable stops gunicorn with one line naming it, instead of every worker failing to boot in turn.
Flags and ``GUNICORN_CMD_ARGS`` add to or override what is set here (docs/deploy.md).
"""

from hub.startup import prepare

prepare()

wsgi_app = "hub.wsgi:application"
accesslog = "-"
