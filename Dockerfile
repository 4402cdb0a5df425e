# The Orchestrate images: the agent (the `orchestrate` command and nothing else: no hub, no Django) and,
# from its own stage, the hub.
#
# Three stages, because GitHub and the other CIs want opposite things, and the hub is another program:
#   agent   non-root user, ENTRYPOINT orchestrate. The image to publish and use as a GitLab CI or CircleCI
#           step image:  podman/docker build --target agent -t orchestrate-agent .
#   hub     the hub (gunicorn by default; `python manage.py qcluster` for a worker, `... migrate` once per
#           release): podman/docker build --target hub -t orchestrate-hub .  See docs/deploy.md.
#   action  the last stage, so it is what a Docker GitHub Action (`runs.image: Dockerfile`) builds. GitHub
#           runs Docker actions as root (a USER breaks access to /github/workspace and the $GITHUB_OUTPUT
#           files), and its entrypoint maps the INPUT_* variables to the command (agent/action.py).
#
# The base must have python3 with the venv module: python:3.12-slim (the default) or Debian's python3 and
# python3-venv (scripts/build-image.sh makes such a base when registries cannot be reached).
ARG BASE_IMAGE=python:3.12-slim

FROM ${BASE_IMAGE} AS agent

# pip reaches the package index from inside the build. scripts/build-image.sh passes the machine's index and,
# behind a TLS-inspecting proxy, the path of the machine's CA bundle, which it mounts read-only for the build
# (so the bundle is used, never copied into a layer). Empty values leave pip's defaults alone.
ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_TRUSTED_HOST=
ARG PIP_CERT=

ENV PATH=/opt/orchestrate/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only what `pip install` of the agent needs (see .dockerignore); the hub extra is never installed.
COPY pyproject.toml README.md /tmp/orchestrate-src/
COPY agent /tmp/orchestrate-src/agent

RUN python3 -m venv /opt/orchestrate \
    && /opt/orchestrate/bin/pip install --no-cache-dir /tmp/orchestrate-src \
    && rm -rf /tmp/orchestrate-src \
    && useradd --no-log-init --uid 10001 --user-group --create-home --home-dir /home/orchestrate \
        --shell /usr/sbin/nologin orchestrate

LABEL org.opencontainers.image.title="orchestrate-agent" \
      org.opencontainers.image.description="Orchestrate CI agent: parse test reports and upload them to the hub" \
      org.opencontainers.image.licenses="Apache-2.0"

# Numeric, so runtimes that enforce runAsNonRoot can check it without reading /etc/passwd.
USER 10001:10001
ENTRYPOINT ["orchestrate"]
CMD ["--help"]


FROM ${BASE_IMAGE} AS hub

ARG PIP_INDEX_URL=https://pypi.org/simple
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_TRUSTED_HOST=
ARG PIP_CERT=

# Data (the embedded SQLite database, artifacts) lives in /var/lib/orchestrate: mount a volume there, or
# set DATABASE_URL and MEDIA_ROOT. The admin's static files are collected into the image at build.
ENV PATH=/opt/orchestrate/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=hub.settings \
    ORCHESTRATE_VAR_DIR=/var/lib/orchestrate \
    STATIC_ROOT=/opt/orchestrate/static

COPY pyproject.toml README.md /tmp/orchestrate-src/
COPY agent /tmp/orchestrate-src/agent
COPY hub /tmp/orchestrate-src/hub

RUN python3 -m venv /opt/orchestrate \
    && /opt/orchestrate/bin/pip install --no-cache-dir "/tmp/orchestrate-src[hub]" \
    && rm -rf /tmp/orchestrate-src \
    && useradd --no-log-init --uid 10001 --user-group --create-home --home-dir /home/orchestrate \
        --shell /usr/sbin/nologin orchestrate \
    && mkdir -p /var/lib/orchestrate \
    && chown 10001:10001 /var/lib/orchestrate

# manage.py and gunicorn's settings (read from the working directory: they check the hub's settings once,
# before anything starts, and stop with one line naming a bad variable).
WORKDIR /opt/orchestrate/app
COPY manage.py gunicorn.conf.py ./
# The secret only lets the settings load for collectstatic; it is not kept in the image.
RUN SECRET_KEY=collectstatic-at-build-time-only ORCHESTRATE_ENV_FILE='' \
    python manage.py collectstatic --noinput --verbosity 0

LABEL org.opencontainers.image.title="orchestrate-hub" \
      org.opencontainers.image.description="Orchestrate hub: CI runs, jobs and test results, with its task worker" \
      org.opencontainers.image.licenses="Apache-2.0"

USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000"]


FROM agent AS action

# GitHub's Dockerfile support: "Docker actions must be run by the default Docker user (root)".
# hadolint ignore=DL3002
USER 0:0
ENTRYPOINT ["/opt/orchestrate/bin/python", "-m", "agent.action"]
CMD []
