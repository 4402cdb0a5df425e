#!/usr/bin/env bash
# Build the agent image (and the GitHub Action's stage), or the hub image, with podman, without a Docker engine.
#
# Base images cannot be pulled on our machines, so the base is made here: a minimal Debian bookworm with
# python3 and python3-venv from apt (debootstrap), imported into podman. Its root filesystem is cached as a
# tarball under /var/cache/orchestrate-image/ and re-imported when podman lost the image; the Dockerfile itself
# is the one users build on python:3.12-slim. RUN steps need --isolation=chroot (crun cannot run on this
# host's hybrid cgroups). See docs/ci-setup.md and the notes' section 6.
#
# Usage: scripts/build-image.sh [--tag NAME] [--target agent|action|hub] [--base IMAGE]
#   --tag     image name to build (default localhost/orchestrate-<target>:<version>)
#   --target  Dockerfile stage (default agent); the action stage is built on top of it; hub is the hub
#   --base    use this base image instead of making the Debian one (e.g. python:3.12-slim when it can be pulled)
# Environment: ORCHESTRATE_IMAGE_CACHE (default /var/cache/orchestrate-image), DEBIAN_MIRROR (default: the
# machine's apt source, else http://deb.debian.org/debian).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$repo/agent/__init__.py")"
tag=""
target="agent"
base=""
while [ $# -gt 0 ]; do
    case "$1" in
        --tag) tag="$2"; shift 2 ;;
        --target) target="$2"; shift 2 ;;
        --base) base="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
    esac
done

case "$target" in
    agent|action|hub) ;;
    *) echo "build-image: --target must be agent, action or hub, not $target" >&2; exit 2 ;;
esac
tag="${tag:-localhost/orchestrate-$target:$version}"
cache="${ORCHESTRATE_IMAGE_CACHE:-/var/cache/orchestrate-image}"
base_tag="localhost/orchestrate-base:bookworm-python3"

log() { echo "build-image: $*" >&2; }

debian_mirror() {
    if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
    local uri
    uri="$(sed -n 's/^URIs: *\(http[^ ]*debian\)\/*$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)"
    echo "${uri:-http://deb.debian.org/debian}"
}

make_base() {
    if podman image exists "$base_tag"; then
        log "base $base_tag present"
        return
    fi
    local tarball="$cache/debian-bookworm-python3.tar"
    if [ ! -s "$tarball" ]; then
        local rootfs started
        started=$SECONDS
        mkdir -p "$cache"
        rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
        log "debootstrap bookworm (minbase + python3, python3-venv) from $(debian_mirror)"
        debootstrap --variant=minbase --include=python3,python3-venv bookworm "$rootfs" "$(debian_mirror)" \
            >"$cache/debootstrap.log" 2>&1 || { tail -n 20 "$cache/debootstrap.log" >&2; rm -rf "$rootfs"; exit 1; }
        # apt's lists and caches are not needed in an image that never runs apt again.
        rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
        tar -C "$rootfs" -cf "$tarball.part" .
        mv "$tarball.part" "$tarball"
        rm -rf "$rootfs"
        log "base root filesystem cached in $tarball ($((SECONDS - started)) s)"
    fi
    podman import --quiet "$tarball" "$base_tag" >/dev/null
    log "imported $base_tag"
}

# pip inside the build reaches the index over the network; pass the machine's index settings through, but
# only those that are URLs (file:// indexes and --find-links directories are not visible inside the build).
pip_build_args=()
pip_setting() {
    local env_name="$1" key="$2" value
    value="${!env_name:-}"
    if [ -z "$value" ] && command -v pip >/dev/null 2>&1; then
        value="$(pip config get "global.$key" 2>/dev/null || true)"
    fi
    local kept=()
    for url in $value; do
        case "$url" in http://*|https://*) kept+=("$url") ;; esac
    done
    if [ "${#kept[@]}" -gt 0 ]; then
        pip_build_args+=(--build-arg "$env_name=${kept[*]}")
    fi
}
pip_setting PIP_INDEX_URL index-url
pip_setting PIP_EXTRA_INDEX_URL extra-index-url
if [ -n "${PIP_TRUSTED_HOST:-}" ]; then pip_build_args+=(--build-arg "PIP_TRUSTED_HOST=$PIP_TRUSTED_HOST"); fi
# A machine behind a TLS-inspecting proxy trusts it through its own CA bundle (pip's `cert`): mount that file
# read-only into the build's RUN steps rather than copying it into the image.
host_cert="${PIP_CERT:-}"
if [ -z "$host_cert" ] && command -v pip >/dev/null 2>&1; then
    host_cert="$(pip config get global.cert 2>/dev/null || true)"
fi
if [ -n "$host_cert" ] && [ -f "$host_cert" ]; then
    pip_build_args+=(--volume "$(readlink -f "$host_cert"):/run/orchestrate-build-ca.pem:ro"
        --build-arg PIP_CERT=/run/orchestrate-build-ca.pem)
fi

# One build at a time on a machine (parallel test workers share the base and the tags).
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

if [ -z "$base" ]; then
    make_base
    base="$base_tag"
fi

started=$SECONDS
log "building $tag (target $target) on $base"
podman build --quiet --pull=never --isolation=chroot --layers \
    --build-arg "BASE_IMAGE=$base" "${pip_build_args[@]}" \
    --target "$target" --tag "$tag" --file "$repo/Dockerfile" "$repo" >/dev/null
log "built $tag in $((SECONDS - started)) s"
echo "$tag"
