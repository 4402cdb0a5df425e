#!/usr/bin/env bash
# Install what scripts/build-image.sh needs to build the agent image without a Docker engine:
# podman and buildah (builds with --isolation=chroot) and debootstrap (makes the Debian base image,
# since base images cannot be pulled here). Idempotent: when every tool is present it returns at once,
# without touching apt, so calling it on every CI run costs nothing after the first.
set -euo pipefail

tools=(podman buildah debootstrap)
missing=()
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-image-tools: podman, buildah and debootstrap already installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "install-image-tools: need root to apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "install-image-tools: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# uidmap and fuse-overlayfs are recommends podman needs in practice; tar is used to import the base.
apt-get install -y -qq --no-install-recommends \
    podman buildah debootstrap uidmap fuse-overlayfs tar ca-certificates >/dev/null
echo "install-image-tools: done ($(podman --version), $(buildah --version | cut -d' ' -f1-3))"
