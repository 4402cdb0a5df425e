# The Orchestrate agent image: the `orchestrate` command and nothing else (no hub, no Django).
#
# Two stages, because GitHub and the other CIs want opposite things:
#   agent   non-root user, ENTRYPOINT orchestrate. The image to publish and use as a GitLab CI or CircleCI
#           step image:  podman/docker build --target agent -t orchestrate-agent .
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


FROM agent AS action

# GitHub's Dockerfile support: "Docker actions must be run by the default Docker user (root)".
# hadolint ignore=DL3002
USER 0:0
ENTRYPOINT ["/opt/orchestrate/bin/python", "-m", "agent.action"]
CMD []
